# DeepLabV3 (ResNet-50-D8, mmseg's own model config) as a supervised few-shot baseline, the part
# its data set configs share (no data); a leaf adds a data set config, puts deeplab_*_pipeline in
# its loaders and sets its k shots. Trained on the same k images as the SAM methods
# (KShotDataset, class-covering, seed 0), tested on the test split with the same metrics,
# computed at the masks' own resolution.
# Backbone: ImageNet-pretrained as mmseg has it (pretrained='open-mmlab://resnet50_v1c', fetched
# on first use; the tests build the model with pretrained=None). SyncBN -> BN: one CPU or GPU.
# Loss: 0.2 cross-entropy + 0.8 class-mean soft Dice on the decode head (as the SAM methods),
# mmseg's auxiliary FCN head with its cross-entropy (weight 0.4). Optimiser: mmseg's DeepLabV3
# SGD (lr 0.01, momentum 0.9, weight decay 5e-4) with polynomial decay (power 0.9), 100 epochs
# of batches of 2, as the SAM methods; validation on the test split every 5 epochs (curves:
# tools/plot_convergence.py).
# Pipelines: mmseg's usual ones at 512 (they replace the SAM pipelines of the data set config).
# The human set stores most masks at another resolution than their image: ResizeSegToImage aligns
# them for training; at test time the prediction is resized to the mask (PredictAtSegResolution).
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py', '../_base_/epoch_runtime_100e.py']
crop_size = (512, 512)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(
        num_classes=2,
        norm_cfg=norm_cfg,
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.2,
                 avg_non_ignore=True),  # padding is labelled ignore
            dict(type='ClassDiceLoss', loss_weight=0.8)
        ]),
    auxiliary_head=dict(num_classes=2, norm_cfg=norm_cfg))
deeplab_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='ResizeSegToImage'),
    dict(type='RandomResize', scale=(2048, 512), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
deeplab_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 512), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PredictAtSegResolution'),
    dict(type='PackSegInputs')
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005),
    clip_grad=None)
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=1e-4, begin=0, end=_base_.max_epochs, by_epoch=True,
         convert_to_iter_based=True)
]
train_cfg = dict(val_interval=5)
