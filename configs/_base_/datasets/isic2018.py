# ISIC 2018 Task 1 skin-lesion segmentation (Codella et al. 2019; Tschandl et al. 2018), binary,
# in the images/ masks/ splits/ layout AM-SAM uses. Not shipped here:
#   data/isic2018/images/<stem>.jpg   (e.g. ISIC_0000000.jpg)
#   data/isic2018/masks/<stem>_segmentation.png   (ISIC's own mask names; lesion 255)
#   data/isic2018/splits/train.txt   stems of the training pool (e.g. ISIC's 2594 training images)
#   data/isic2018/splits/test.txt    stems of the test images (e.g. ISIC's 1000 test images)
# If your masks are named <stem>.png, set seg_map_suffix = '.png' below. Masks are read as they
# lie (BinarySegDataset: 255 and 1 are foreground). Reported with Dice.
dataset_type = 'BinarySegDataset'
data_root = 'data/isic2018'
img_suffix = '.jpg'
seg_map_suffix = '_segmentation.png'
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
        type='KShotDataset',
        shots=16,
        seed=0,
        dataset=dict(
            type=dataset_type,
            data_root=data_root,
            data_prefix=dict(img_path='images', seg_map_path='masks'),
            ann_file='splits/train.txt',
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            foreground_values=(255, 1),
            pipeline=train_pipeline)))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images', seg_map_path='masks'),
        ann_file='splits/test.txt',
        img_suffix=img_suffix,
        seg_map_suffix=seg_map_suffix,
        foreground_values=(255, 1),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
