_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmsam_prompt'], allow_failed_imports=False)
visualizer = dict(
    type='SAMSegVisualizer', vis_backends=[dict(type='LocalVisBackend')], name='visualizer',
    alpha=0.5)
# iteration-based training throughout; tools/test.py --show-dir turns drawing on.
# SafeCheckpointHook: mmengine's CheckpointHook with atomic saves and a --resume that falls back
# to the newest complete checkpoint (docs/reliability.md)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=200, max_keep_ckpts=1),
    visualization=dict(type='SegVisualizationHook', draw=False))
# start-up checks of data and config, a stop at the first NaN loss, per-epoch seeding (bit-exact
# resume), the embedding cache (pipeline check, statistics) and the k-shot file list; each does
# nothing where it does not apply
custom_hooks = [
    dict(type='StartupCheckHook'), dict(type='NonFiniteLossHook'), dict(type='EpochSeedHook'),
    dict(type='EmbeddingCacheHook'), dict(type='KShotRecordHook')
]
