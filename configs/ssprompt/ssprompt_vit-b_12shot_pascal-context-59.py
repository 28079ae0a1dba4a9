_base_ = ['./ssprompt_vit-b_16shot_pascal-context-59.py']
train_dataloader = dict(dataset=dict(shots=12))
