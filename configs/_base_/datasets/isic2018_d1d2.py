# ISIC 2018, split for bi-level training (BLO-SAM / AM-SAM): one class-covering draw of 8 shots
# (seed 0) from the training pool, halved. D1 (subset='d1', 4 images) is the training set, on which
# the lower level steps; D2 (subset='d2', the other 4) is the validation set: the upper level steps
# on it (BiLevelHook reads it from the training config) and it picks the best checkpoint.
# The test set stays the data set's test split. Other shot counts: set `shots` in both loaders,
#   train_dataloader = dict(dataset=dict(shots=16)); val_dataloader = dict(dataset=dict(shots=16))
_base_ = ['./isic2018.py']
pool = _base_.train_dataloader.dataset.dataset  # the images the shots are drawn from
train_dataloader = dict(
    batch_size=2,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(_delete_=True, type='KShotDataset', shots=8, seed=0, subset='d1',
                 dataset=dict(pool, pipeline=_base_.sam_train_pipeline)))
val_dataloader = dict(
    dataset=dict(_delete_=True, type='KShotDataset', shots=8, seed=0, subset='d2',
                 dataset=dict(pool, pipeline=_base_.sam_test_pipeline)))
