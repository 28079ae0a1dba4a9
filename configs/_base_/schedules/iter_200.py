# 200 iterations of AdamW with a polynomial decay; validation and a checkpoint at the end
# (checkpoint and logger hooks: ../default_runtime.py).
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.01))
param_scheduler = [dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=200, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=200, val_interval=200)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
