# BLO-SAM (Zhang et al., ICML 2024) on SAM vit-b: the frozen image encoder (output cached), SAM's
# frozen prompt encoder, a learned prompt embedding instead of human prompts (the dense "no mask"
# map, one per foreground class; the upper level of the bi-level optimisation trains it) and the
# mask decoder with LoRA (rank 4, q and v of every attention) plus its hypernetwork MLPs, mask
# tokens and output upscaling trained (the lower level). AM-SAM configs add a detector's boxes
# and mask calibration. Loss: 0.2 cross-entropy + 0.8 class-mean Dice (SAMed's lambda = 0.8).
_base_ = ['./sam_vit_b.py']
model = dict(
    decode_head=dict(
        trainable=(),  # the decoder's adapters train themselves (CalibratedLoRAMaskDecoder)
        mask_decoder=dict(type='CalibratedLoRAMaskDecoder', lora_rank=4, calibration=None),
        prompt_source=dict(_delete_=True, type='LearnedEmbeddingPrompt', target_class=1),
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.2,
                 avg_non_ignore=True),  # the mean over labelled pixels, not padding
            dict(type='ClassDiceLoss', loss_weight=0.8)
        ]))
