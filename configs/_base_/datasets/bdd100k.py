# BDD100K semantic segmentation (Yu et al., CVPR 2020), Cityscapes' 19 classes, as mmseg's own
# config reads it: data/bdd100k/images/10k/{train,val}, labels/sem_seg/masks/{train,val}.
# Not shipped here. Train pool: 7000 train images; val/test: the 1000 val images. 255 = ignore.
# Model: decode_head.num_classes=19, background_index=None.
_base_ = ['mmseg::_base_/datasets/bdd100k.py', './sam_pipelines.py']
# SAM pipelines (sam_pipelines.py: 1024 px, no photometric augmentation); they replace
# mmseg's crop/resize pipelines
train_pipeline = _base_.sam_train_pipeline
test_pipeline = _base_.sam_test_pipeline
# k-shot training set: 16 images drawn (class-covering, seed 0) from mmseg's training set,
# which is kept as mmseg defines it (root, folders, split, classes) with the SAM pipeline
train_dataloader = dict(
    batch_size=2,
    dataset=dict(
        _delete_=True,
        type='KShotDataset',
        shots=16,
        seed=0,
        dataset=dict(_base_.train_dataloader.dataset, pipeline=train_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
