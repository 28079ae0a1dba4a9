# The SAM data pipelines, defined once: every data set config here lists this file in its _base_
# and uses _base_.sam_train_pipeline / _base_.sam_test_pipeline (1024 px, the vit-b/l/h models);
# the configs of the tiny model (configs/_base_/models/sam_tiny.py) use the *_256 lists.
# No photometric augmentation. Training: the mask is resized with the image. Testing: the mask is
# loaded after the resize, so metrics are computed at the annotation's own resolution.
# S, SAMResizeLongestSide's target_length, must equal the model's img_size (sam_img_size in the
# model config). The lists are fixed when this file is read: setting data_img_size in a config
# that inherits them does not resize them; use the list whose S matches the model.
# (The names differ from mmseg's base keys train_pipeline / test_pipeline: mmengine refuses a key
# that two bases of one config both define.)
data_img_size = 1024  # S of sam_train_pipeline and sam_test_pipeline


def sam_pipelines(size):
    """The SAM train and test pipelines for S = ``size`` (not kept in the loaded config)."""
    train = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='SAMResizeLongestSide', target_length=size),
        dict(type='RandomFlip', prob=0.5),
        dict(type='PackSegInputs'),
    ]
    test = [
        dict(type='LoadImageFromFile'),
        dict(type='SAMResizeLongestSide', target_length=size),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs'),
    ]
    return train, test


sam_train_pipeline, sam_test_pipeline = sam_pipelines(data_img_size)
sam_train_pipeline_256, sam_test_pipeline_256 = sam_pipelines(256)  # for sam_tiny.py
