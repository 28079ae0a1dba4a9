# Table 5, row 4: semantic prompt learning with the learnable embedding averaged with the
# default (w fixed at 0.5); spatial prompts at their defaults.
# Tiny SAM at 256 px on CamVid: the CPU check of ssprompt-semantic-average_vit-b_16shot_<set>.py.
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'), semantic=dict(mode='average'))))
