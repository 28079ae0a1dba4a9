# The per-class reading of SSPrompt (this project's first model, kept as an option): one prompt
# per (image, class) = the 100 fused spatial tokens of the image + that class's semantic token
# (mapped to SAM's 256-d prompt space by a fixed map), decoded into that class's logit map.
# Only the prompts train.
# Tiny SAM at 256 px on CamVid: the CPU check of ssprompt-per-class_vit-b_16shot_<set>.py.
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    _delete_=True, type='SSPromptPerClass',
    spatial=dict(type='SpaPrompt', num_points=100, mode='weighted'),
    semantic=dict(type='SemPrompt', class_names={{_base_.camvid_classes}}, mode='weighted'))))
