# Your own multi-class data set in one file: edit the settings below, then use this file as the
# data base of a model config (see docs/datasets.md). Layout:
#   <data_root>/images/<stem><img_suffix>     <data_root>/masks/<stem><seg_map_suffix>
#   <data_root>/splits/<train_split>, <test_split>: one stem per line
# Masks hold one class index per pixel (0 .. len(classes)-1) and 255 where nothing is labelled.
# value_map renames stored values first, e.g. {11: 255} to ignore a 'void' value 11, or
# {0: 255, 1: 0, 2: 1} to ignore 0 and shift the rest. Model: decode_head.num_classes =
# len(classes), background_index=None (or the index of a background class that gets no prompt).
_base_ = ['./sam_pipelines.py']
# ---- settings ---------------------------------------------------------------------------------
data_root = 'data/my_multiclass'
classes = ('road', 'building', 'sky')
palette = None  # or one [r, g, b] per class; None draws colours at random
img_suffix = '.jpg'
seg_map_suffix = '.png'
value_map = {}  # stored mask value -> label (255 = ignore)
train_split = 'splits/train.txt'  # the pool the k training images are drawn from
test_split = 'splits/test.txt'
shots = 16  # k; the pool must hold at least k images with some labelled pixel
kshot_seed = 0
# SAM input 1024 px (vit-b/l/h); for the 256-px sam_tiny.py use the *_256 lists of sam_pipelines.py
train_pipeline = _base_.sam_train_pipeline
test_pipeline = _base_.sam_test_pipeline
# -----------------------------------------------------------------------------------------------
pool = dict(
    type='LabelMapSegDataset',
    data_root=data_root,
    data_prefix=dict(img_path='images', seg_map_path='masks'),
    img_suffix=img_suffix,
    seg_map_suffix=seg_map_suffix,
    metainfo=dict(classes=classes) if palette is None else dict(classes=classes, palette=palette),
    value_map=value_map)
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
