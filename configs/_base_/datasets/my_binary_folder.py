# Your own binary data set in one file: edit the settings below, then use this file as the data
# base of a model config (see docs/datasets.md). Layout:
#   <data_root>/images/<stem><img_suffix>     <data_root>/masks/<stem><seg_map_suffix>
#   <data_root>/splits/<train_split>, <test_split>: one stem per line
# Masks are read as they lie: every value in foreground_values is the foreground (class 1),
# anything else is background (class 0). Model: num_classes=2, background_index=0 (the default).
# ---- settings ---------------------------------------------------------------------------------
data_root = 'data/my_binary'
img_suffix = '.jpg'
seg_map_suffix = '.png'
foreground_values = (255, 1)
train_split = 'splits/train.txt'  # the pool the k training images are drawn from
test_split = 'splits/test.txt'
shots = 16  # k; the training pool must hold at least k images
kshot_seed = 0
data_img_size = 1024  # SAMResizeLongestSide target; must equal the model's sam_img_size
# -----------------------------------------------------------------------------------------------
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
pool = dict(
    type='BinarySegDataset',
    data_root=data_root,
    data_prefix=dict(img_path='images', seg_map_path='masks'),
    img_suffix=img_suffix,
    seg_map_suffix=seg_map_suffix,
    foreground_values=foreground_values)
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='KShotDataset',
        shots=shots,
        seed=kshot_seed,
        dataset=dict(pool, ann_file=train_split, pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(pool, ann_file=test_split, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
