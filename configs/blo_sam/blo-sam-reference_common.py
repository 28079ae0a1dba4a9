# BLO-SAM's reference protocol: everything as the authors' code (importZL/BLO-SAM, train.py /
# trainer.py / prompt.py) does it, so that numbers can be compared with theirs. No data here:
# each leaf (blo-sam-reference_vit-b_{4,8,16}shot_<set>.py) adds a data set's D1 / D2 / test.
# docs/blo_sam.md has a table of every difference between this family and our default one
# (blo-sam_vit-b_*.py) and why ours differs; tests/test_reference_blo_sam.py shows that this
# protocol trains exactly as their code does (same weights, same images).
#  * data: image and mask zoomed to a 256 x 256 square with scipy.ndimage.zoom (order 3 / 0),
#    pixels / 255 (ZoomResize), SAM normalisation off (mean 0, std 1), batch 1, D1 in order
#    (no shuffle), no augmentation; JPEGs decoded by PIL, as their loader;
#  * model: SAM vit-b at 256 px (position tables resized as their load_from does); the prompt is
#    one learned 256-d vector (SAM's no_mask_embed, their only upper-level parameter); the mask
#    decoder is theirs built with num_classes=1: LoRA rank 4 on q and v of its 7 attentions, and
#    NEW randomly initialised mask tokens (2), hypernetwork MLPs (2) and IoU head; each of the two
#    mask tokens is one class's logit channel (softmax over background / foreground); trained:
#    LoRA, iou_token, mask tokens, output upscaling, MLPs (and the IoU head, which no loss reaches);
#  * loss: 0.2 CE + 0.8 class-mean Dice on the 64 x 64 low-resolution logits against the label
#    zoomed to 64 x 64 (order 0);
#  * metric: Dice per image on the low-resolution logits (their cal_dice.dice_score), averaged
#    over images; the best epoch by it on D2 is kept;
#  * optimisation: lower AdamW lr 5e-3 with betas (0.95, 0.999) (their never-stepped
#    OneCycleLR sets beta1 to 0.95), upper AdamW lr 5e-3 (their --prompt_base_lr default)
#    with betas (0.9, 0.999), weight decay 0.1 for both; their schedule (BLOSAMReferenceLR):
#    the first lower step at 5e-3 / 25 (the never-stepped OneCycleLR's start), then
#    5e-3 (1 - j / T)^0.9 for both levels (the upper level's lr is reset to the lower
#    base_lr's poly after its first step).
# Weights: model.sam_checkpoint=sam_vit_b_01ec64.pth (the official 1024 px file).
_base_ = ['../_base_/models/blo_sam_vit_b.py', '../_base_/schedules/bilevel_100e.py']
img_size = 256
base_lr = 5e-3
model = dict(
    data_preprocessor=dict(size=(img_size, img_size), mean=(0., 0., 0.), std=(1., 1., 1.)),
    backbone=dict(img_size=img_size),
    decode_head=dict(
        img_size=img_size,
        background_index=None,  # both channels are predicted
        mask_outputs='tokens',  # mask token k -> class k
        loss_resolution='low',
        keep_low_res_logits=True,  # for PerImageDiceMetric(resolution='low')
        mask_decoder=dict(
            type='CalibratedLoRAMaskDecoder', lora_rank=4, calibration=None,
            num_multimask_outputs=1,  # their num_classes=1: 2 mask tokens
            fresh=('mask_tokens', 'output_hypernetworks_mlps', 'iou_prediction_head'),
            trained=('iou_token', 'mask_tokens', 'output_upscaling', 'output_hypernetworks_mlps',
                     'iou_prediction_head')),
        prompt_source=dict(_delete_=True, type='LearnedEmbeddingPrompt', target_class=1,
                           dense='vector'),
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.2,
                 avg_non_ignore=True),
            dict(type='ClassDiceLoss', loss_weight=0.8)
        ]))
# one pipeline for D1, D2 and the test set, as their data sets use one transform
reference_pipeline = [
    dict(type='LoadImageFromFile', imdecode_backend='pillow'),
    dict(type='LoadAnnotations'),
    dict(type='ZoomResize', size=img_size),
    dict(type='PackSegInputs'),
]
reference_loader = dict(batch_size=1, num_workers=2, persistent_workers=True)
reference_evaluator = [
    dict(type='PerImageDiceMetric', resolution='low'),  # their validate / inference score
    dict(type='PerClassIoUMetric', iou_metrics=['mIoU', 'mDice']),  # at 256 x 256
]
optim_wrapper = dict(
    # beta1 0.95: their lower optimiser is built with a OneCycleLR (cycle_momentum=True) whose
    # constructor sets betas to (max_momentum=0.95, 0.999); it is never stepped, so they stay
    lower=dict(optimizer=dict(lr=base_lr, betas=(0.95, 0.999))),
    upper=dict(optimizer=dict(lr=base_lr)))
param_scheduler = dict(
    _delete_=True,
    lower=[dict(type='BLOSAMReferenceLR', first_lr=base_lr / 25, peak_lr=base_lr, begin=0,
                end=_base_.max_epochs, by_epoch=True, convert_to_iter_based=True)],
    upper=[dict(type='BLOSAMReferenceLR', peak_lr=base_lr, begin=0, end=_base_.max_epochs,
                by_epoch=True, convert_to_iter_based=True)])
default_hooks = dict(checkpoint=dict(save_best='per_image_dice', rule='greater'))
