# AM-SAM ablation (Table 4), mask calibration without detector prompts,
# on 4 shots of ISIC 2018, SAM vit-b at 1024 px.
# Everything else: ./am-sam-calibration-only_vit-b_8shot_isic2018.py
_base_ = ['./am-sam-calibration-only_vit-b_8shot_isic2018.py']
train_dataloader = dict(dataset=dict(shots=4))
val_dataloader = dict(dataset=dict(shots=4))
