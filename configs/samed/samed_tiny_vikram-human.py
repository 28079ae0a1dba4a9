# SAMed with the tiny SAM arch at 256 px on 16 shots of the human set, 2 epochs: a CPU check of the
# SAMed baseline (random SAM weights unless model.sam_checkpoint is set; tiny SAM has no official
# weights: tools/make_random_sam_checkpoint.py --arch tiny writes some).
_base_ = ['./samed_vit-b_16shot_vikram-human.py']
data_img_size = 256  # the S of the *_256 pipelines below
max_epochs = 2
model = dict(
    data_preprocessor=dict(size=(data_img_size, data_img_size)),
    backbone=dict(arch='tiny', img_size=data_img_size),
    decode_head=dict(img_size=data_img_size))
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(
    **loader, dataset=dict(dataset=dict(pipeline=_base_.sam_train_pipeline_256)))
val_dataloader = dict(**loader, dataset=dict(pipeline=_base_.sam_test_pipeline_256))
test_dataloader = val_dataloader
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=max_epochs))
