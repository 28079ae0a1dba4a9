# Tiny SAM (random weights unless model.sam_checkpoint is set) at 256 px on the human set,
# GT-box prompts, mask decoder trained. For quick end-to-end checks on a CPU.
_base_ = [
    '../_base_/models/sam_tiny.py', '../_base_/datasets/vikram_human_seg.py',
    '../_base_/default_runtime.py'
]
sam_img_size = 256
model = dict(decode_head=dict(trainable=('mask_decoder', )))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='SAMResizeLongestSide', target_length=sam_img_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='SAMResizeLongestSide', target_length=sam_img_size),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False,
                        dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.01))
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=200, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=200, val_interval=100)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=100, max_keep_ckpts=1))
log_processor = dict(by_epoch=False)
