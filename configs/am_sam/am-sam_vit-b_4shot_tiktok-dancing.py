# AM-SAM on 4 shots of TikTok dancing, SAM vit-b at 1024 px.
# D1 / D2 / test: ../_base_/datasets/tiktok_dancing_d1d2.py
_base_ = ['./am-sam_vit-b_common.py', '../_base_/datasets/tiktok_dancing_d1d2.py']
train_dataloader = dict(dataset=dict(shots=4))
val_dataloader = dict(dataset=dict(shots=4))
