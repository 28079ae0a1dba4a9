# Zero-shot SAM ViT-B on the Kaggle TikTok dancing set, prompted with the box around the ground-
# truth mask (an upper bound for box prompting).
#   python tools/test.py configs/sam/sam_vit-b_gt-box_tiktok-dancing.py \
#       /path/to/sam_vit_b_01ec64.pth
_base_ = [
    '../_base_/models/sam_vit_b.py', '../_base_/datasets/tiktok_dancing.py',
    '../_base_/default_runtime.py'
]
model = dict(decode_head=dict(prompt_source=dict(_delete_=True, type='GTBoxPrompt', exclude_classes=(0, ))))
# zero-shot: nothing is trained
train_dataloader = None
train_cfg = None
optim_wrapper = None
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
