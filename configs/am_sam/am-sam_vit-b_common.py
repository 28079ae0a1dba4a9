# The part the AM-SAM configs share (no data): BLO-SAM (../blo_sam/blo-sam_vit-b_common.py) plus
#  * automated prompting: a frozen mmdet detector runs on every image in the data pipeline
#    (DetectorBoxes, once per image file, cached) and its best box is SAM's box prompt, read from
#    the data sample (DataSamplePrompt) with the learned dense embedding added
#    (LearnedEmbeddingPrompt.box_source; an image without a detection gets the learned prompt
#    alone, as BLO-SAM). The detector and the pipelines that run it: am_sam_detector and the
#    am_sam_* pipelines of ../_base_/datasets/sam_pipelines.py, set in each data set's 8-shot
#    config (am-sam_vit-b_8shot_*.py) and the 256 px configs;
#  * mask calibration in the mask decoder, alpha = 0.7 (mask_calibration.py explains why our
#    default form has learnable channel weights instead of the paper's batch average).
# AM-SAM used YOLOv8 (not part of mmdet); any mmdet 3.x detector works (docs/detector_prompts.md).
_base_ = ['../blo_sam/blo-sam_vit-b_common.py']
model = dict(
    decode_head=dict(
        mask_decoder=dict(calibration=dict(_delete_=True, alpha=0.7, mode='channel_weights')),
        prompt_source=dict(box_source=dict(type='DataSamplePrompt'))))
