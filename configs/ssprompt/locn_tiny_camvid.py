# LOCN baseline (paper's Table 2, text side): learnable class-name token embeddings in the fixed
# template "a photo of a {}." through the frozen CLIP text transformer in every training step;
# spatial prompts at their defaults. Only the class-name embeddings train.
# Weights: model.sam_checkpoint=... and
#   model.decode_head.prompt_source.semantic.text_checkpoint=<CLIP text encoder, mmseg format>.
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'),
    semantic=dict(_delete_=True, type='LOCNPrompt', class_names={{_base_.camvid_classes}},
                  template='a photo of a {}.'))))
