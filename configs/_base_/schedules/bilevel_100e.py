# BLO-SAM / AM-SAM optimisation: bi-level, 100 epochs over D1. Each iteration: one lower step on a
# D1 batch (the runner's train step), then one upper step on the next D2 batch (BiLevelHook, which
# visits every D2 image once per pass; mmsam_prompt/engine/hooks/bilevel_hook.py).
#   lower level: every trainable parameter outside the prompt source (LoRA, decoder parts,
#                calibration): AdamW lr 5e-3, betas (0.9, 0.999), weight decay 0.1;
#   upper level: the prompt embedding (decode_head.prompt_source): AdamW lr 1e-3, same otherwise;
#   both: lr_i = lr_0 (1 - i / iter_max)^0.9 per iteration (../epoch_runtime_100e.py).
# Validation on D2 after every epoch; the best checkpoint by foreground Dice on D2 is kept.
_base_ = ['../epoch_runtime_100e.py']
optim_wrapper = dict(
    type='BiLevelOptimWrapper',
    constructor='BiLevelOptimWrapperConstructor',
    lower=dict(optimizer=dict(type='AdamW', lr=5e-3, betas=(0.9, 0.999), weight_decay=0.1)),
    upper=dict(optimizer=dict(type='AdamW', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.1)),
    upper_params=('decode_head.prompt_source', ))
custom_hooks = [*_base_.custom_hooks, dict(type='BiLevelHook')]
default_hooks = dict(checkpoint=dict(save_best='Dice.foreground', rule='greater'))
