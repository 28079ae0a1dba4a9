# BLO-SAM, the authors' protocol, 4 shots of ISIC 2018.
# Everything else: ./blo-sam-reference_vit-b_8shot_isic2018.py
_base_ = ['./blo-sam-reference_vit-b_8shot_isic2018.py']
train_dataloader = dict(dataset=dict(shots=4))
val_dataloader = dict(dataset=dict(shots=4))
