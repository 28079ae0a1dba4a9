# ISIC 2018 Task 1 skin-lesion segmentation (Codella et al. 2018; Tschandl et al. 2018, as AM-SAM
# cites them; the challenge's official training / test split, 1,000 test images), binary,
# in the images/ masks/ splits/ layout AM-SAM uses. Not shipped here:
#   data/isic2018/images/<stem>.jpg   (e.g. ISIC_0000000.jpg)
#   data/isic2018/masks/<stem>_segmentation.png   (ISIC's own mask names; lesion 255)
#   data/isic2018/splits/train.txt   stems of the training pool (e.g. ISIC's 2594 training images)
#   data/isic2018/splits/test.txt    stems of the test images (e.g. ISIC's 1000 test images)
# If your masks are named <stem>.png, set seg_map_suffix = '.png' below. Masks are read as they
# lie (BinarySegDataset: 255 and 1 are foreground). Reported with Dice.
_base_ = ['./binary_folder.py']  # images/, masks/, 16 shots (seed 0), SAM pipelines, mIoU/mDice
data_root = 'data/isic2018'
img_suffix = '.jpg'
seg_map_suffix = '_segmentation.png'
folder = dict(
    data_root=data_root,
    img_suffix=img_suffix,
    seg_map_suffix=seg_map_suffix,
    foreground_values=(255, 1))
train_dataloader = dict(dataset=dict(dataset=dict(folder, ann_file='splits/train.txt')))
val_dataloader = dict(dataset=dict(folder, ann_file='splits/test.txt'))
test_dataloader = val_dataloader
