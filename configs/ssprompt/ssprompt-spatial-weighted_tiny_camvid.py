# Table 5, row 3 (= SpaPrompt of Table 8): spatial embedding and learnable weights; semantic
# prompts at their defaults.
# Tiny SAM at 256 px on CamVid: the CPU check of ssprompt-spatial-weighted_vit-b_16shot_<set>.py.
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='weighted'), semantic=dict(mode='default'))))
