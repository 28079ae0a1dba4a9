# Table 5, row 3 (= SpaPrompt of Table 8): spatial embedding and learnable weights; semantic
# prompts at their defaults.
# vit-b SAM at 1024 px, 16 shots (data and classes: ssprompt_vit-b_16shot_bdd100k.py).
_base_ = ['./ssprompt_vit-b_16shot_bdd100k.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='weighted'), semantic=dict(mode='default'))))
