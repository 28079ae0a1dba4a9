# CoOp (Table 2): 16 learnable context tokens shared by the classes, "[ctx_1..ctx_16] {class}."
# through the frozen CLIP text transformer in every training step (initialised from "a photo of
# a"); spatial prompts at their defaults. Its text features classify the masks exactly as
# SemPrompt's embeddings do (same map G, same temperature).
# vit-b SAM at 1024 px, 16 shots (data and classes: ssprompt_vit-b_16shot_ade20k.py).
_base_ = ['./ssprompt_vit-b_16shot_ade20k.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'),
    semantic=dict(_delete_=True, type='CoOpPrompt', class_names={{_base_.class_names}},
                  num_context=16, context_init='a photo of a'))))
