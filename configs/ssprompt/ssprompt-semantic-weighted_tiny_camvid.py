# Table 5, row 5 (= SemPrompt): semantic embedding and learnable weights; spatial prompts at
# their defaults.
# Tiny SAM at 256 px on CamVid: the CPU check of ssprompt-semantic-weighted_vit-b_16shot_<set>.py.
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'), semantic=dict(mode='weighted'))))
