# 100 epochs, evaluated every epoch, lr decayed per iteration as lr_0 (1 - i / iter_max)^0.9
# (SAMed's, BLO-SAM's and AM-SAM's schedule), logs and checkpoints by epoch (the last one kept).
# The including config sets the optimiser (optim_wrapper). A config with other max_epochs sets
# train_cfg.max_epochs and param_scheduler[0].end.
_base_ = ['./default_runtime.py']
max_epochs = 100
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=max_epochs, by_epoch=True,
         convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=True),
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=True, interval=10, max_keep_ckpts=1))
log_processor = dict(by_epoch=True)
