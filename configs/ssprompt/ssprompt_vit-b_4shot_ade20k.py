_base_ = ['./ssprompt_vit-b_16shot_ade20k.py']
train_dataloader = dict(dataset=dict(shots=4))
