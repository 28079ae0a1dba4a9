# AM-SAM with the tiny SAM arch at 256 px on 8 shots of the human set, 40 epochs: a CPU check
# (the data, schedule and sizes of ../blo_sam/blo-sam_tiny_vikram-human.py). Detector: mmdet's
# YOLOX-tiny, random unless its COCO weights are given
# (model.decode_head.prompt_source.box_source.checkpoint=...). A random detector finds no
# "person", so this check takes the best box of any class (class_map=None, target_class=1):
# every image then gets a box prompt and the whole AM-SAM path runs. With COCO weights, set
# class_map={0: 1} as the vit-b configs do.
_base_ = ['../blo_sam/blo-sam_tiny_vikram-human.py']
model = dict(
    decode_head=dict(
        mask_decoder=dict(calibration=dict(_delete_=True, alpha=0.7, mode='channel_weights')),
        prompt_source=dict(
            box_source=dict(
                type='DetectorBoxPrompt',
                detector='mmdet::yolox/yolox_tiny_8xb8-300e_coco.py',
                checkpoint=None,
                class_map=None,
                target_class=1,
                topk=1,
                fallback='none'))))
