# TikTok dancing: the Kaggle "Segmentation Full Body TikTok Dancing Dataset" (Anwar, Kucev &
# Kerneler 2021, https://www.kaggle.com/datasets/tapakah68/segmentation-full-body-tiktok-dancing-dataset),
# 2,615 frames of dance videos with person masks, as AM-SAM (Appendix A) and BLO-SAM use it; the
# test set is its last 2,000 images (615 remain for training). Binary person segmentation, one
# folder of frames and one of masks with the same stems. Not shipped here:
#   data/tiktok_dancing/images/<stem>.png   data/tiktok_dancing/masks/<stem>.png (person 255 or 1)
#   data/tiktok_dancing/splits/test_last2000.txt  the last 2000 stems of the name-sorted list of
#       all images:  ls images | sort | sed 's/\.png$//' | tail -n 2000 > splits/test_last2000.txt
#   data/tiktok_dancing/splits/train_pool.txt     all other stems (the k-shot pool):
#       ls images | sort | sed 's/\.png$//' | head -n -2000 > splits/train_pool.txt
# Masks are read as they lie (BinarySegDataset: 255 and 1 are foreground). Reported with Dice.
_base_ = ['./binary_folder.py']  # images/, masks/, 16 shots (seed 0), SAM pipelines, mIoU/mDice
data_root = 'data/tiktok_dancing'
folder = dict(data_root=data_root, img_suffix='.png', foreground_values=(255, 1))
train_dataloader = dict(dataset=dict(dataset=dict(folder, ann_file='splits/train_pool.txt')))
val_dataloader = dict(dataset=dict(folder, ann_file='splits/test_last2000.txt'))
test_dataloader = val_dataloader
