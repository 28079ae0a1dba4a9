# AM-SAM on the authors' BLO-SAM protocol, 4 shots of ISIC 2018.
# Everything else: ./am-sam-reference_vit-b_8shot_isic2018.py
_base_ = ['./am-sam-reference_vit-b_8shot_isic2018.py']
train_dataloader = dict(dataset=dict(shots=4))
val_dataloader = dict(dataset=dict(shots=4))
