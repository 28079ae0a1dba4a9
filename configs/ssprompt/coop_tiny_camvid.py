# CoOp (Table 2): 16 learnable context tokens shared by the classes, "[ctx_1..ctx_16] {class}."
# through the frozen CLIP text transformer in every training step (initialised from "a photo of
# a"); spatial prompts at their defaults. Its text features classify the masks exactly as
# SemPrompt's embeddings do (same map G, same temperature).
# Tiny SAM at 256 px on CamVid: the CPU check of coop_vit-b_16shot_<set>.py.
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'),
    semantic=dict(_delete_=True, type='CoOpPrompt', class_names={{_base_.camvid_classes}},
                  num_context=16, context_init='a photo of a'))))
