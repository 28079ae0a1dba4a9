# ADE20K (Zhou et al., CVPR 2017; SceneParsing ADEChallengeData2016), 150 classes, as mmseg's own
# config reads it: data/ade/ADEChallengeData2016/{images,annotations}/{training,validation}.
# Not shipped here. Masks store 0 = other and 1-150: ADE20KDataset reads them with
# reduce_zero_label=True (0 -> 255, ignored; 1-150 -> 0-149). Train pool: 20210 training images;
# val/test: the 2000 validation images. Model: decode_head.num_classes=150, background_index=None.
_base_ = ['mmseg::_base_/datasets/ade20k.py', './sam_pipelines.py']
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
