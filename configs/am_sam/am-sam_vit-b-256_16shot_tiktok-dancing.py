# AM-SAM on 16 shots of TikTok dancing, SAM vit-b at 256 px;
# the official weights' position tables are resized when they load.
# D1 / D2 / test: ../_base_/datasets/tiktok_dancing_d1d2.py
_base_ = ['./am-sam_vit-b_common.py', '../_base_/datasets/tiktok_dancing_d1d2.py']
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    backbone=dict(img_size=256),
    decode_head=dict(img_size=256))
train_dataloader = dict(
    dataset=dict(shots=16, dataset=dict(pipeline=_base_.am_sam_train_pipeline_256)))
val_dataloader = dict(
    dataset=dict(shots=16, dataset=dict(pipeline=_base_.am_sam_test_pipeline_256)))
test_dataloader = dict(dataset=dict(pipeline=_base_.am_sam_test_pipeline_256))
