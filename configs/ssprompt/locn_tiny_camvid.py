# LOCN (Table 2, "Learning to Name Classes"): each class name's token embeddings learned inside
# "a photo of a {}.", through the frozen CLIP text transformer in every training step; spatial
# prompts at their defaults. Same classification path as SemPrompt (map G, temperature).
# Tiny SAM at 256 px on CamVid: the CPU check of locn_vit-b_16shot_<set>.py.
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'),
    semantic=dict(_delete_=True, type='LOCNPrompt', class_names={{_base_.camvid_classes}},
                  template='a photo of a {}.'))))
