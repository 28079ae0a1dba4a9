# LOCN (Table 2, "Learning to Name Classes"): each class name's token embeddings learned inside
# "a photo of a {}.", through the frozen CLIP text transformer in every training step; spatial
# prompts at their defaults. Same classification path as SemPrompt (map G, temperature).
# vit-b SAM at 1024 px, 16 shots (data and classes: ssprompt_vit-b_16shot_acdc.py).
_base_ = ['./ssprompt_vit-b_16shot_acdc.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'),
    semantic=dict(_delete_=True, type='LOCNPrompt', class_names={{_base_.class_names}},
                  template='a photo of a {}.'))))
