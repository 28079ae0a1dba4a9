# Table 5, row 4: semantic prompt learning with the learnable embedding averaged with the
# default (w fixed at 0.5); spatial prompts at their defaults.
# vit-b SAM at 1024 px, 16 shots (data and classes: ssprompt_vit-b_16shot_acdc.py).
_base_ = ['./ssprompt_vit-b_16shot_acdc.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'), semantic=dict(mode='average'))))
