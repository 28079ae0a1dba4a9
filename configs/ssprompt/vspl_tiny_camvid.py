# VSPL (Table 8, vanilla spatial prompt learning): the 2-D coordinates of the 100 points are
# learned (as fractions of each image's valid region) and encoded by SAM's frozen prompt encoder
# at every step; semantic prompts at their defaults. Compare with ssprompt-spatial-weighted.
# Tiny SAM at 256 px on CamVid: the CPU check of vspl_vit-b_16shot_<set>.py.
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(_delete_=True, type='VSPLPrompt', num_points=100),
    semantic=dict(mode='default'))))
