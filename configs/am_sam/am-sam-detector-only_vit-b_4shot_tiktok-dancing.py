# AM-SAM ablation (Table 4), detector prompts without mask calibration,
# on 4 shots of TikTok dancing, SAM vit-b at 1024 px.
# Everything else: ./am-sam-detector-only_vit-b_8shot_tiktok-dancing.py
_base_ = ['./am-sam-detector-only_vit-b_8shot_tiktok-dancing.py']
train_dataloader = dict(dataset=dict(shots=4))
val_dataloader = dict(dataset=dict(shots=4))
