_base_ = ['./ssprompt_vit-b_16shot_bdd100k.py']
train_dataloader = dict(dataset=dict(shots=12))
