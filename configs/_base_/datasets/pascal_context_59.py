# PASCAL-Context, 59 classes (Mottaghi et al., CVPR 2014), as mmseg's own config reads it:
# data/VOCdevkit/VOC2010/JPEGImages, SegmentationClassContext (made by mmseg's
# tools/dataset_converters/pascal_context.py), ImageSets/SegmentationContext/{train,val}.txt.
# Not shipped here. PascalContextDataset59 reads masks with reduce_zero_label=True (0 = the
# unlabelled 'background' -> 255, ignored). Train pool: 4996 train images; val/test: 5104 val
# images. Model: decode_head.num_classes=59, background_index=None.
_base_ = ['mmseg::_base_/datasets/pascal_context_59.py', './sam_pipelines.py']
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
