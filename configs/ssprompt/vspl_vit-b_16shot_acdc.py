# VSPL (Table 8, vanilla spatial prompt learning): the 2-D coordinates of the 100 points are
# learned (as fractions of each image's valid region) and encoded by SAM's frozen prompt encoder
# at every step; semantic prompts at their defaults. Compare with ssprompt-spatial-weighted.
# vit-b SAM at 1024 px, 16 shots (data and classes: ssprompt_vit-b_16shot_acdc.py).
_base_ = ['./ssprompt_vit-b_16shot_acdc.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(_delete_=True, type='VSPLPrompt', num_points=100),
    semantic=dict(mode='default'))))
