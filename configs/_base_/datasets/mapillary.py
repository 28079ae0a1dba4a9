# Mapillary Vistas v1.2 (Neuhold et al., ICCV 2017), 65 classes, as mmseg's own mapillary_v1_65
# config reads it: data/mapillary/{training,validation}/images, .../v1.2/labels. Not shipped here.
# Label 65 ('Unlabeled') is not one of the 65 classes and is read as 255 (ignored) by mmseg's
# class-subset label_map. Train pool: 18000 training images; val/test: 2000 validation images.
# Model: decode_head.num_classes=65, background_index=None.
_base_ = ['mmseg::_base_/datasets/mapillary_v1_65.py', './sam_pipelines.py']
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
