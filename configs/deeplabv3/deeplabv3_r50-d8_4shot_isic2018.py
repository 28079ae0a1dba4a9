# DeepLabV3 baseline (./deeplabv3_r50-d8_common.py) on 4 images drawn (class-covering,
# seed 0) from the training pool of ISIC 2018, tested on its test split (AM-SAM Table 1's DeepLab
# row).   python tools/train.py configs/deeplabv3/deeplabv3_r50-d8_4shot_isic2018.py
_base_ = ['./deeplabv3_r50-d8_common.py', '../_base_/datasets/isic2018.py']
train_dataloader = dict(
    batch_size=2,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(shots=4, dataset=dict(pipeline=_base_.deeplab_train_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=_base_.deeplab_test_pipeline))
test_dataloader = val_dataloader
