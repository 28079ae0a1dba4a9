# Zero-shot SAM ViT-B on the Vikram Shenoy human set, prompted with a 10x10 grid of foreground
# points given jointly (one mask per image; SSPrompt's default spatial prompts, Eq. 2).
#   python tools/test.py configs/sam/sam_vit-b_point-grid_vikram-human.py /path/to/sam_vit_b_01ec64.pth
_base_ = ['./sam_vit-b_gt-box_vikram-human.py']
model = dict(decode_head=dict(prompt_source=dict(
    _delete_=True, type='GridPointPrompt', points_per_side=10, mode='joint', target_class=1)))
