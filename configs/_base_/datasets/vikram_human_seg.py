# Vikram Shenoy human segmentation (binary; AM-SAM Table 2), read as it lies in ../shared/data:
# JPEG images (2 grayscale), PNG masks {0, 255} of which 198 have another resolution than their
# image. Test split: the last 100 ids in numeric order (ids 191-289 and 300); train pool 1-190.
# Masks are resized with the image for training; metrics are computed at the mask's own resolution
# (SAMSegmentor.eval_at_gt_resolution).
_base_ = ['./binary_folder.py']  # images/, masks/, SAM pipelines, mIoU/mDice
data_root = '../shared/data/vikram_human_seg'
folder = dict(data_root=data_root, foreground_values=(255, ))
# The training set is the whole pool, not binary_folder.py's KShotDataset: the configs that train
# on this set draw their k shots themselves (e.g. configs/sam/sam_tiny_gt-box_vikram-human.py).
train_dataloader = dict(
    dataset=dict(
        _base_.binary_set,
        _delete_=True,
        **folder,
        ann_file='splits/train_pool_first190_numeric.txt',
        pipeline=_base_.sam_train_pipeline))
val_dataloader = dict(dataset=dict(folder, ann_file='splits/test_last100_numeric.txt'))
test_dataloader = val_dataloader
