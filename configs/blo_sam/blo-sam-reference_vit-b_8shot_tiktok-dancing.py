# BLO-SAM, the authors' protocol (./blo-sam-reference_common.py),
# 8 shots of the Kaggle TikTok dancing set:
# (its 4- and 16-shot configs inherit this file)
# D1 / D2 = the two halves of one 8-shot draw (seed 0), batch 1, in order; test: the test split.
# All three at 256 px through ZoomResize. Weights: model.sam_checkpoint=sam_vit_b_01ec64.pth
_base_ = ['./blo-sam-reference_common.py', '../_base_/datasets/tiktok_dancing_d1d2.py']
shots = 8
train_dataloader = dict(
    **_base_.reference_loader,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(shots=shots, dataset=dict(pipeline=_base_.reference_pipeline)))
val_dataloader = dict(
    **_base_.reference_loader,
    dataset=dict(shots=shots, dataset=dict(pipeline=_base_.reference_pipeline)))
test_dataloader = dict(**_base_.reference_loader,
                       dataset=dict(pipeline=_base_.reference_pipeline))
val_evaluator = _base_.reference_evaluator
test_evaluator = _base_.reference_evaluator
