# AM-SAM on 16 shots of the Vikram Shenoy human set, SAM vit-b at 1024 px.
# Data, detector and pipelines: ./am-sam_vit-b_8shot_vikram-human.py
_base_ = ['./am-sam_vit-b_8shot_vikram-human.py']
train_dataloader = dict(dataset=dict(shots=16))
val_dataloader = dict(dataset=dict(shots=16))
