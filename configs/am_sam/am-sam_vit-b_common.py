# The part the AM-SAM configs share (no data): BLO-SAM (../blo_sam/blo-sam_vit-b_common.py) plus
#  * automated prompting: a frozen mmdet detector runs once per image (cached); its best box is
#    SAM's box prompt, with the learned dense embedding added (LearnedEmbeddingPrompt.box_source;
#    an image without a detection gets the learned prompt alone, as BLO-SAM);
#  * mask calibration in the mask decoder, alpha = 0.7 (mask_calibration.py explains why our
#    default form has learnable channel weights instead of the paper's batch average).
# AM-SAM used YOLOv8 (not part of mmdet); any mmdet 3.x detector works. Set its weights with
#   model.decode_head.prompt_source.box_source.checkpoint=<detector .pth>
# (without them the detector is random, and the log says so). class_map {0: 1}: COCO's "person"
# (label 0) prompts class 1; drop it (and set target_class) for other objects.
_base_ = ['../blo_sam/blo-sam_vit-b_common.py']
model = dict(
    decode_head=dict(
        mask_decoder=dict(calibration=dict(_delete_=True, alpha=0.7, mode='channel_weights')),
        prompt_source=dict(
            box_source=dict(
                type='DetectorBoxPrompt',
                detector='mmdet::yolox/yolox_s_8xb8-300e_coco.py',
                checkpoint=None,
                class_map={0: 1},
                topk=1,
                fallback='none'))))
