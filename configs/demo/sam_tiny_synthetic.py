# Demo: the tiny SAM at 256 px, GT-box prompts, training the mask decoder on a small binary set.
# tools/demo.py fills data_root (a generated set unless one is given) and the checkpoint.
_base_ = [
    '../_base_/models/sam_tiny.py', '../_base_/datasets/sam_pipelines.py',
    '../_base_/schedules/iter_200.py', '../_base_/default_runtime.py'
]
data_img_size = 256  # the S of the *_256 pipelines below (sam_tiny.py's sam_img_size)
data_root = 'work_dirs/demo/data'
model = dict(decode_head=dict(trainable=('mask_decoder', )))
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
    dataset=dict(**dataset, ann_file='splits/train.txt', pipeline=_base_.sam_train_pipeline_256))
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(**dataset, ann_file='splits/val.txt', pipeline=_base_.sam_test_pipeline_256))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
randomness = dict(seed=0)
