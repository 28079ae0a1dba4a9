# SAMed baseline (./samed_vit-b_common.py) on 16 images drawn (class-covering, seed 0) from
# the training pool of ISIC 2018, tested on its test split (AM-SAM Table 1's SAMed row).
#   python tools/train.py configs/samed/samed_vit-b_16shot_isic2018.py \
#       --cfg-options model.sam_checkpoint=sam_vit_b_01ec64.pth
_base_ = ['./samed_vit-b_common.py', '../_base_/datasets/isic2018.py']
train_dataloader = dict(
    batch_size=2, sampler=dict(type='DefaultSampler', shuffle=True), dataset=dict(shots=16))
