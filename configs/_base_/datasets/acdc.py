# ACDC (Sakaridis et al., ICCV 2021): driving scenes in fog, night, rain and snow with Cityscapes'
# 19 train-id classes (255 = ignore). Not shipped here: put (or link) the official
# rgb_anon_trainvaltest.zip and gt_trainval.zip contents under data/acdc:
#   data/acdc/rgb_anon/<condition>/<split>/<sequence>/*_rgb_anon.png
#   data/acdc/gt/<condition>/<split>/<sequence>/*_gt_labelTrainIds.png
# Train pool: the train images of all four conditions (1600); test: the val images of all four
# (406; the test labels are withheld), scored per condition and averaged (ConditionIoUMetric),
# as SSPrompt reports ACDC. Model: decode_head.num_classes=19, background_index=None.
_base_ = ['./sam_pipelines.py']  # sam_train_pipeline, sam_test_pipeline (1024 px)
dataset_type = 'ACDCDataset'
data_root = 'data/acdc'
conditions = ('fog', 'night', 'rain', 'snow')
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
            conditions=conditions,
            split='train',
            pipeline=_base_.sam_train_pipeline)))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        conditions=conditions,
        split='val',
        pipeline=_base_.sam_test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(
    type='ConditionIoUMetric', conditions=conditions, iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
