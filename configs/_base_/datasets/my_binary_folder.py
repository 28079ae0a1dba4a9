# Your own binary data set: edit the settings below, then use this file as the data base of a
# model config (see docs/datasets.md); the rest (BinarySegDataset, loaders, mIoU/mDice) is
# binary_folder.py's. Layout:
#   <data_root>/images/<stem><img_suffix>     <data_root>/masks/<stem><seg_map_suffix>
#   <data_root>/splits/<train_split>, <test_split>: one stem per line
# Masks are read as they lie: every value in foreground_values is the foreground (class 1),
# anything else is background (class 0). Model: num_classes=2, background_index=0 (the default).
_base_ = ['./binary_folder.py']
# ---- settings ---------------------------------------------------------------------------------
data_root = 'data/my_binary'
img_suffix = '.jpg'
seg_map_suffix = '.png'
foreground_values = (255, 1)
train_split = 'splits/train.txt'  # the pool the k training images are drawn from
test_split = 'splits/test.txt'
shots = 16  # k; the training pool must hold at least k images
kshot_seed = 0
# SAM input 1024 px (vit-b/l/h); for the 256-px sam_tiny.py use the *_256 lists of sam_pipelines.py
train_pipeline = _base_.sam_train_pipeline
test_pipeline = _base_.sam_test_pipeline
# -----------------------------------------------------------------------------------------------
folder = dict(
    data_root=data_root,
    img_suffix=img_suffix,
    seg_map_suffix=seg_map_suffix,
    foreground_values=foreground_values)
train_dataloader = dict(
    dataset=dict(
        shots=shots,
        seed=kshot_seed,
        dataset=dict(folder, ann_file=train_split, pipeline=train_pipeline)))
val_dataloader = dict(dataset=dict(folder, ann_file=test_split, pipeline=test_pipeline))
test_dataloader = val_dataloader
