# CoOp baseline (paper's Table 2, text side): 16 learnable context tokens shared by the classes,
# "[ctx_1..ctx_16] {class}." through the frozen CLIP text transformer in every training step;
# spatial prompts at their defaults. Only the context embeddings train.
# Weights: model.sam_checkpoint=... and
#   model.decode_head.prompt_source.semantic.text_checkpoint=<CLIP text encoder, mmseg format>.
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'),
    semantic=dict(_delete_=True, type='CoOpPrompt', class_names={{_base_.camvid_classes}},
                  num_context=16, context_init='a photo of a'))))
