# The part the binary data set configs share (vikram_human_seg.py, tiktok_dancing.py,
# isic2018.py, my_binary_folder.py inherit it and set their folder, split files and suffixes):
#   <data_root>/images/<stem><img_suffix>   <data_root>/masks/<stem><seg_map_suffix>
#   <data_root>/splits/train.txt, test.txt: one stem per line (the training pool and the test set)
# BinarySegDataset reads masks as they lie: the foreground_values are the foreground (class 1),
# anything else is background (class 0). Training: 16 images drawn (class-covering, seed 0) from
# the training pool by KShotDataset; test: the test split, mIoU and mDice (and per class: the
# foreground Dice 'Dice.foreground'); SAM pipelines at 1024 px.
# Model: num_classes=2, background_index=0 (the default).
# A config inheriting this sets train_dataloader.dataset.dataset, val_dataloader.dataset and
# test_dataloader = val_dataloader (without the last, the test set would keep this file's values).
_base_ = ['./sam_pipelines.py']
binary_set = dict(
    type='BinarySegDataset',
    data_prefix=dict(img_path='images', seg_map_path='masks'),
    foreground_values=(255, 1))
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='KShotDataset',
        shots=16,
        seed=0,
        dataset=dict(
            binary_set, ann_file='splits/train.txt', pipeline=_base_.sam_train_pipeline)))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(binary_set, ann_file='splits/test.txt', pipeline=_base_.sam_test_pipeline))
test_dataloader = val_dataloader
# mIoU / mDice plus every class's own values ('Dice.foreground': what AM-SAM and BLO-SAM report)
val_evaluator = dict(type='PerClassIoUMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator
