# BLO-SAM, the authors' protocol, 16 shots of the Vikram Shenoy human set.
# Everything else: ./blo-sam-reference_vit-b_8shot_vikram-human.py
_base_ = ['./blo-sam-reference_vit-b_8shot_vikram-human.py']
train_dataloader = dict(dataset=dict(shots=16))
val_dataloader = dict(dataset=dict(shots=16))
