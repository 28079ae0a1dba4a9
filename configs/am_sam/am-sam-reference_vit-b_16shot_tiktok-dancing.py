# AM-SAM on the authors' BLO-SAM protocol, 16 shots of the Kaggle TikTok dancing set.
# Everything else: ./am-sam-reference_vit-b_8shot_tiktok-dancing.py
_base_ = ['./am-sam-reference_vit-b_8shot_tiktok-dancing.py']
train_dataloader = dict(dataset=dict(shots=16))
val_dataloader = dict(dataset=dict(shots=16))
