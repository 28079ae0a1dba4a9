# AM-SAM ablation (Table 4), detector prompts without mask calibration,
# on 4 shots of ISIC 2018, SAM vit-b at 1024 px.
# Everything else: ./am-sam-detector-only_vit-b_8shot_isic2018.py
_base_ = ['./am-sam-detector-only_vit-b_8shot_isic2018.py']
train_dataloader = dict(dataset=dict(shots=4))
val_dataloader = dict(dataset=dict(shots=4))
