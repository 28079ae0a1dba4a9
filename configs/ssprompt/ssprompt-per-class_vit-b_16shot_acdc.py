# The per-class reading of SSPrompt (this project's first model, kept as an option): one prompt
# per (image, class) = the 100 fused spatial tokens of the image + that class's semantic token
# (mapped to SAM's 256-d prompt space by a fixed map), decoded into that class's logit map.
# Only the prompts train.
# vit-b SAM at 1024 px, 16 shots (data and classes: ssprompt_vit-b_16shot_acdc.py).
_base_ = ['./ssprompt_vit-b_16shot_acdc.py']
model = dict(decode_head=dict(prompt_source=dict(
    _delete_=True, type='SSPromptPerClass',
    spatial=dict(type='SpaPrompt', num_points=100, mode='weighted'),
    semantic=dict(type='SemPrompt', class_names={{_base_.class_names}}, mode='weighted'))))
