# AM-SAM on 16 shots of TikTok dancing, SAM vit-b at 1024 px.
# Data, detector and pipelines: ./am-sam_vit-b_8shot_tiktok-dancing.py
_base_ = ['./am-sam_vit-b_8shot_tiktok-dancing.py']
train_dataloader = dict(dataset=dict(shots=16))
val_dataloader = dict(dataset=dict(shots=16))
