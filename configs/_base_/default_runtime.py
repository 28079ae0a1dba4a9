_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['mmsam_prompt'], allow_failed_imports=False)
visualizer = dict(
    type='SAMSegVisualizer', vis_backends=[dict(type='LocalVisBackend')], name='visualizer',
    alpha=0.5)
default_hooks = dict(visualization=dict(type='SegVisualizationHook', draw=False))
