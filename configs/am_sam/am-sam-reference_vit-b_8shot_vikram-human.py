# AM-SAM on the authors' BLO-SAM protocol (../blo_sam/blo-sam-reference_common.py: 256 px scipy
# zoom, [0, 1] pixels, batch 1, vector prompt, their 2-token head, low-resolution loss and per-
# image Dice, their schedule), 8 shots of the Vikram Shenoy human set; the 4- and 16-shot configs
# inherit this. AM-SAM's parts on top, as in our default family (am-sam_vit-b_common.py):
#  * the frozen detector's most confident box (any class; am_sam_detector of
#    ../_base_/datasets/sam_pipelines.py) as SAM's box prompt, the learned prompt vector added;
#    the detector reads the image file, its box is mapped through the square zoom;
#  * mask calibration, alpha = 0.7 (our channel-weight form; docs/blo_sam.md).
# Weights: model.sam_checkpoint=sam_vit_b_01ec64.pth; the detector's: `checkpoint` of the
# DetectorBoxes step (index 1) of each loader's pipeline, e.g.
#   train_dataloader.dataset.dataset.pipeline.1.checkpoint=DET.pth
_base_ = ['../blo_sam/blo-sam-reference_vit-b_8shot_vikram-human.py']
model = dict(
    decode_head=dict(
        mask_decoder=dict(calibration=dict(_delete_=True, alpha=0.7, mode='channel_weights')),
        prompt_source=dict(box_source=dict(type='DataSamplePrompt'))))
am_sam_reference_pipeline = [
    _base_.reference_pipeline[0],  # LoadImageFromFile (PIL)
    dict(type='DetectorBoxes', **_base_.am_sam_detector),
    *_base_.reference_pipeline[1:-1],  # LoadAnnotations, ZoomResize
    dict(type='PackSegInputs', meta_keys=(*_base_.pack_meta_keys, 'prompts')),
]
train_dataloader = dict(dataset=dict(dataset=dict(pipeline=am_sam_reference_pipeline)))
val_dataloader = dict(dataset=dict(dataset=dict(pipeline=am_sam_reference_pipeline)))
test_dataloader = dict(dataset=dict(pipeline=am_sam_reference_pipeline))
