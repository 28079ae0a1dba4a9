# The authors' protocol (./blo-sam-reference_common.py) with the tiny SAM arch, 8 shots of the
# human set (D1 / D2: 4 images each), 20 epochs: a CPU check (random SAM weights unless
# model.sam_checkpoint is set; tools/make_random_sam_checkpoint.py --arch tiny writes some).
_base_ = ['./blo-sam-reference_vit-b_8shot_vikram-human.py']
max_epochs = 20
model = dict(backbone=dict(arch='tiny'))
loader = dict(num_workers=0, persistent_workers=False)
train_dataloader = dict(**loader)
val_dataloader = dict(**loader)
test_dataloader = dict(**loader)
base_lr = _base_.base_lr
param_scheduler = dict(
    _delete_=True,
    lower=[dict(type='BLOSAMReferenceLR', first_lr=base_lr / 25, peak_lr=base_lr, begin=0,
                end=max_epochs, by_epoch=True, convert_to_iter_based=True)],
    upper=[dict(type='BLOSAMReferenceLR', peak_lr=base_lr, begin=0, end=max_epochs,
                by_epoch=True, convert_to_iter_based=True)])
train_cfg = dict(max_epochs=max_epochs)
randomness = dict(seed=0)
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=max_epochs))
