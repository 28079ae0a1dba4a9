# BLO-SAM with the tiny SAM arch at 256 px on 8 shots of the human set, 40 epochs: a check that
# runs in a minute on a CPU (random SAM weights unless model.sam_checkpoint is set; tiny SAM has
# no official weights: tools/make_random_sam_checkpoint.py --arch tiny writes some).
# D1 / D2 / test: ../_base_/datasets/vikram_human_seg_d1d2.py
_base_ = ['./blo-sam_vit-b_common.py', '../_base_/datasets/vikram_human_seg_d1d2.py']
max_epochs = 40
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    backbone=dict(arch='tiny', img_size=256),
    decode_head=dict(img_size=256))
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(
    **loader, dataset=dict(dataset=dict(pipeline=_base_.sam_train_pipeline_256)))
val_dataloader = dict(**loader, dataset=dict(dataset=dict(pipeline=_base_.sam_test_pipeline_256)))
test_dataloader = dict(**loader, dataset=dict(pipeline=_base_.sam_test_pipeline_256))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
randomness = dict(seed=0)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=max_epochs))
