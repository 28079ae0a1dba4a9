# Table 5, row 2: spatial prompt learning with the learnable embedding averaged with the
# default (w fixed at 0.5); semantic prompts at their defaults.
# vit-b SAM at 1024 px, 16 shots (data and classes: ssprompt_vit-b_16shot_pascal-context-59.py).
_base_ = ['./ssprompt_vit-b_16shot_pascal-context-59.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='average'), semantic=dict(mode='default'))))
