# VSPL (the paper's Table 8, vanilla spatial prompt learning): the 2-D coordinates of the 100
# grid points are learned and encoded by SAM's frozen prompt encoder at every step; the semantic
# prompts stay at their defaults, so this compares with spaprompt_tiny_camvid.py (SpaPrompt).
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(_delete_=True, type='VSPLPrompt', num_points=100),
    semantic=dict(mode='default'))))
