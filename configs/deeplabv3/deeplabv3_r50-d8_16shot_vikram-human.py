# DeepLabV3 baseline (./deeplabv3_r50-d8_common.py explains each setting) on 16 images drawn
# (class-covering, seed 0) from the human set's training pool, tested on its test split.
#   python tools/train.py configs/deeplabv3/deeplabv3_r50-d8_16shot_vikram-human.py
_base_ = ['./deeplabv3_r50-d8_common.py', '../_base_/datasets/vikram_human_seg.py']
train_dataloader = dict(
    batch_size=2,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='KShotDataset',
        shots=16,
        seed=0,
        dataset=dict(_base_.train_dataloader.dataset, pipeline=_base_.deeplab_train_pipeline)))
val_dataloader = dict(dataset=dict(pipeline=_base_.deeplab_test_pipeline))
test_dataloader = val_dataloader
