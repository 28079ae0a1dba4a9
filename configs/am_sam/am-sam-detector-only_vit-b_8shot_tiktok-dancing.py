# AM-SAM ablation, detector prompts without mask calibration,
# on 8 shots of TikTok dancing, SAM vit-b at 1024 px.
# Data, detector and pipelines: ./am-sam_vit-b_8shot_tiktok-dancing.py
_base_ = ['./am-sam_vit-b_8shot_tiktok-dancing.py']
model = dict(decode_head=dict(mask_decoder=dict(calibration=None)))
