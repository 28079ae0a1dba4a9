_base_ = ['./ssprompt_vit-b_16shot_mapillary.py']
train_dataloader = dict(dataset=dict(shots=4))
