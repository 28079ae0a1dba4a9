# AM-SAM with the tiny SAM arch at 256 px on 8 shots of the human set, 40 epochs: a CPU check
# (the data, schedule and sizes of ../blo_sam/blo-sam_tiny_vikram-human.py). Detector: mmdet's
# YOLOX-tiny in the data pipelines (the am_sam_*_256 pipelines of
# ../_base_/datasets/sam_pipelines.py with YOLOX-tiny for YOLOX-s), random unless its COCO
# weights are given (checkpoint of the DetectorBoxes step, pipeline index 1, of each loader). It
# takes the best box of any class (class_map=None, target_class=1), as AM-SAM: every image gets a
# box prompt and the whole AM-SAM path runs even with random detector weights.
_base_ = ['../blo_sam/blo-sam_tiny_vikram-human.py']
model = dict(
    decode_head=dict(
        mask_decoder=dict(calibration=dict(_delete_=True, alpha=0.7, mode='channel_weights')),
        prompt_source=dict(box_source=dict(type='DataSamplePrompt'))))
yolox_tiny = 'mmdet::yolox/yolox_tiny_8xb8-300e_coco.py'


def with_yolox_tiny(pipeline):
    """``pipeline`` with YOLOX-tiny in its DetectorBoxes step (not kept in the loaded config)."""
    return [dict(s, detector=yolox_tiny) if s['type'] == 'DetectorBoxes' else s for s in pipeline]


train_dataloader = dict(
    dataset=dict(dataset=dict(pipeline=with_yolox_tiny(_base_.am_sam_train_pipeline_256))))
val_dataloader = dict(
    dataset=dict(dataset=dict(pipeline=with_yolox_tiny(_base_.am_sam_test_pipeline_256))))
test_dataloader = dict(dataset=dict(pipeline=with_yolox_tiny(_base_.am_sam_test_pipeline_256)))
