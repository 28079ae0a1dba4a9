# Demo: the tiny SAM at 256 px, GT-box prompts, training the mask decoder on a small binary set.
# tools/demo.py fills data_root (a generated set unless one is given) and the checkpoint.
_base_ = [
    '../_base_/models/sam_tiny.py', '../_base_/schedules/iter_200.py',
    '../_base_/default_runtime.py'
]
sam_img_size = 256
data_root = 'work_dirs/demo/data'
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
dataset = dict(
    type='BinarySegDataset',
    data_root=data_root,
    img_suffix='.png',
    foreground_values=(1, 255),
    data_prefix=dict(img_path='images', seg_map_path='masks'))
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(**dataset, ann_file='splits/train.txt', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**dataset, ann_file='splits/val.txt', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
randomness = dict(seed=0)
