# TikTok dancing (Jafarian & Park, CVPR 2021), binary person segmentation, in the layout AM-SAM /
# BLO-SAM use: one folder of frames and one of masks with the same stems. Not shipped here:
#   data/tiktok_dancing/images/<stem>.png   data/tiktok_dancing/masks/<stem>.png (person 255 or 1)
#   data/tiktok_dancing/splits/test_last2000.txt  the last 2000 stems of the name-sorted list of
#       all images:  ls images | sort | sed 's/\.png$//' | tail -n 2000 > splits/test_last2000.txt
#   data/tiktok_dancing/splits/train_pool.txt     all other stems (the k-shot pool):
#       ls images | sort | sed 's/\.png$//' | head -n -2000 > splits/train_pool.txt
# Masks are read as they lie (BinarySegDataset: 255 and 1 are foreground). Reported with Dice.
dataset_type = 'BinarySegDataset'
data_root = 'data/tiktok_dancing'
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
            ann_file='splits/train_pool.txt',
            img_suffix='.png',
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
        ann_file='splits/test_last2000.txt',
        img_suffix='.png',
        foreground_values=(255, 1),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
