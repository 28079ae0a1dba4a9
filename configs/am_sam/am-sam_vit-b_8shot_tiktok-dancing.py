# AM-SAM on 8 shots of TikTok dancing, SAM vit-b at 1024 px
# (its 4- and 16-shot configs and ablations inherit this file).
# D1 / D2 / test: ../_base_/datasets/tiktok_dancing_d1d2.py, each loader's pipeline with the
# detector's box prompts (am_sam_* of ../_base_/datasets/sam_pipelines.py: YOLOX-s, the best
# box of any class).
_base_ = ['./am-sam_vit-b_common.py', '../_base_/datasets/tiktok_dancing_d1d2.py']
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=_base_.am_sam_train_pipeline)))
val_dataloader = dict(dataset=dict(dataset=dict(pipeline=_base_.am_sam_test_pipeline)))
test_dataloader = dict(dataset=dict(pipeline=_base_.am_sam_test_pipeline))
