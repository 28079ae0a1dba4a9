_base_ = ['./ssprompt_vit-b_16shot_cityscapes.py']
train_dataloader = dict(dataset=dict(shots=4))
