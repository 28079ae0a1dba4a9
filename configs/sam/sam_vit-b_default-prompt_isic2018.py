# Zero-shot SAM ViT-B on ISIC 2018, prompted with SAM's default prompt (no point, no box: the no-
# mask embedding), i.e. SAM without a human prompt: our reading of AM-SAM Table 1's 'SAM' row
# (26.0 at 4 and 8 shots alike; the paper does not say how SAM was prompted).
#   python tools/test.py configs/sam/sam_vit-b_default-prompt_isic2018.py \
#       /path/to/sam_vit_b_01ec64.pth
_base_ = [
    '../_base_/models/sam_vit_b.py', '../_base_/datasets/isic2018.py',
    '../_base_/default_runtime.py'
]
model = dict(decode_head=dict(prompt_source=dict(_delete_=True, type='DefaultPrompt', target_class=1)))
# zero-shot: nothing is trained
train_dataloader = None
train_cfg = None
optim_wrapper = None
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
