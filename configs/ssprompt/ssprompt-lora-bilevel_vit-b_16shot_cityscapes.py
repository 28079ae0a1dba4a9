# Mixing methods on the paper's scale: SSPrompt's learned prompts (upper level) with BLO-SAM's
# LoRA mask decoder (lower level), bi-level, on 16 Cityscapes shots halved into D1 / D2; vit-b
# SAM at 1024 px. See ssprompt-lora-bilevel_tiny_camvid.py (its tested CPU version).
_base_ = ['./ssprompt_vit-b_16shot_cityscapes.py']
model = dict(decode_head=dict(
    mask_decoder=dict(type='CalibratedLoRAMaskDecoder', lora_rank=4, calibration=None)))
train_dataloader = dict(dataset=dict(subset='d1'))
optim_wrapper = dict(
    _delete_=True,
    type='BiLevelOptimWrapper',
    constructor='BiLevelOptimWrapperConstructor',
    lower=dict(optimizer=dict(type='AdamW', lr=5e-3, betas=(0.9, 0.999), weight_decay=0.1)),
    upper=dict(optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)),
    upper_params=('decode_head.prompt_source', ))
custom_hooks = [*_base_.custom_hooks, dict(type='BiLevelHook')]
