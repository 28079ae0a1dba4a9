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
# AM-SAM (configs/am_sam/) uses the am_sam_* lists: the same steps plus a frozen detector's box
# prompts (DetectorBoxes, right after LoadImageFromFile; 'prompts' packed into the metainfo, read
# by DataSamplePrompt). Its detector: am_sam_detector below (YOLOX-s, the single most confident
# box of any class, as the paper). The detector's weights: set `checkpoint` of the DetectorBoxes
# step (index 1) in each loader, e.g. with --cfg-options
#   train_dataloader.dataset.dataset.pipeline.1.checkpoint=DET.pth
#   val_dataloader.dataset.dataset.pipeline.1.checkpoint=DET.pth
#   test_dataloader.dataset.pipeline.1.checkpoint=DET.pth
# (see docs/detector_prompts.md; without weights the detector is random and the log says so).
data_img_size = 1024  # S of sam_train_pipeline and sam_test_pipeline
pack_meta_keys = ('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
                  'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label')


def sam_pipelines(size, detector=None):
    """The SAM train and test pipelines for S = ``size``; with ``detector`` (the arguments of a
    DetectorBoxes step), its box prompts after loading. (Not kept in the loaded config.)"""
    load = [dict(type='LoadImageFromFile')]
    pack = dict(type='PackSegInputs')
    if detector is not None:
        load.append(dict(type='DetectorBoxes', **detector))
        pack['meta_keys'] = pack_meta_keys + ('prompts', )
    train = [
        *[dict(step) for step in load],
        dict(type='LoadAnnotations'),
        dict(type='SAMResizeLongestSide', target_length=size),
        dict(type='RandomFlip', prob=0.5),
        dict(pack),
    ]
    test = [
        *[dict(step) for step in load],
        dict(type='SAMResizeLongestSide', target_length=size),
        dict(type='LoadAnnotations'),
        dict(pack),
    ]
    return train, test


sam_train_pipeline, sam_test_pipeline = sam_pipelines(data_img_size)
sam_train_pipeline_256, sam_test_pipeline_256 = sam_pipelines(256)  # for sam_tiny.py
am_sam_detector = dict(
    detector='mmdet::yolox/yolox_s_8xb8-300e_coco.py',
    checkpoint=None,
    class_map=None,  # any detector class ...
    target_class=1,  # ... prompts class 1
    topk=1,
    fallback='none')  # no box: the learned prompt alone (BLO-SAM's prompt)
am_sam_train_pipeline, am_sam_test_pipeline = sam_pipelines(data_img_size, am_sam_detector)
am_sam_train_pipeline_256, am_sam_test_pipeline_256 = sam_pipelines(256, am_sam_detector)
