# Mixing methods: SSPrompt's learned prompts (and its mask-token -> text map G) with BLO-SAM's
# LoRA mask decoder (rank 4 on q/v of every attention + its output parts), trained bi-level as
# BLO-SAM trains: each iteration a lower step (LoRA decoder; AdamW lr 5e-3, BLO-SAM's) on a D1
# batch, then an upper step (everything under decode_head.prompt_source; SGD lr 0.01, SSPrompt's)
# on a D2 batch (BiLevelHook). D1 / D2: the 16 CamVid shots halved (KShotDataset subset d1 / d2).
# Tiny SAM at 256 px (CPU check); ssprompt-lora-bilevel_vit-b_16shot_cityscapes.py is the vit-b one.
_base_ = ['./ssprompt_tiny_camvid.py']
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
