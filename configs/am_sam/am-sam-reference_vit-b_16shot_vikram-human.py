# AM-SAM on the authors' BLO-SAM protocol, 16 shots of the Vikram Shenoy human set.
# Everything else: ./am-sam-reference_vit-b_8shot_vikram-human.py
_base_ = ['./am-sam-reference_vit-b_8shot_vikram-human.py']
train_dataloader = dict(dataset=dict(shots=16))
val_dataloader = dict(dataset=dict(shots=16))
