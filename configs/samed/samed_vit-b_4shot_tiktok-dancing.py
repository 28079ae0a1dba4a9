# SAMed baseline (./samed_vit-b_common.py) on 4 images drawn (class-covering, seed 0) from the
# training pool of the Kaggle TikTok dancing set, tested on its test split (AM-SAM Table 1's SAMed
# row).
#   python tools/train.py configs/samed/samed_vit-b_4shot_tiktok-dancing.py \
#       --cfg-options model.sam_checkpoint=sam_vit_b_01ec64.pth
_base_ = ['./samed_vit-b_common.py', '../_base_/datasets/tiktok_dancing.py']
train_dataloader = dict(
    batch_size=2, sampler=dict(type='DefaultSampler', shuffle=True), dataset=dict(shots=4))
