# AM-SAM ablation, mask calibration without detector prompts,
# on 8 shots of TikTok dancing, SAM vit-b at 1024 px.
# D1 / D2 / test: ../_base_/datasets/tiktok_dancing_d1d2.py
_base_ = ['../blo_sam/blo-sam_vit-b_common.py', '../_base_/datasets/tiktok_dancing_d1d2.py']
model = dict(
    decode_head=dict(
        mask_decoder=dict(calibration=dict(_delete_=True, alpha=0.7, mode='channel_weights'))))
