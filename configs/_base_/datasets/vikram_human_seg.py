# Vikram Shenoy human segmentation (binary; AM-SAM Table 2), read as it lies in ../shared/data:
# JPEG images (2 grayscale), PNG masks {0, 255} of which 198 have another resolution than their
# image. Test split: the last 100 ids in numeric order (ids 191-289 and 300); train pool 1-190.
# Masks are resized with the image for training; metrics are computed at the mask's own resolution
# (SAMSegmentor.eval_at_gt_resolution).
dataset_type = 'BinarySegDataset'
data_root = '../shared/data/vikram_human_seg'
data_img_size = 1024  # SAMResizeLongestSide target; must equal the model's sam_img_size
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='SAMResizeLongestSide', target_length=data_img_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='SAMResizeLongestSide', target_length=data_img_size),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images', seg_map_path='masks'),
        ann_file='splits/train_pool_first190_numeric.txt',
        foreground_values=(255, ),
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images', seg_map_path='masks'),
        ann_file='splits/test_last100_numeric.txt',
        foreground_values=(255, ),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
