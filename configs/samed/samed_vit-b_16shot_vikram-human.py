# SAMed (Zhang & Liu 2023) as a few-shot baseline: SAM vit-b at 1024 px with LoRA (rank 4) on the
# q and v parts of the fused qkv projection of every image-encoder block, SAM's DEFAULT prompt (no
# points, no box: no sparse token and the no_mask_embed dense embedding, DefaultPrompt) and the
# mask decoder fine-tuned; the rest of SAM is frozen. Trained on 16 images drawn (class-covering,
# seed 0) from the human set's training pool, tested on its test split.
# The image encoder has trainable (LoRA) parameters, so the embedding cache switches itself off
# (one log line 'embedding cache off: ...'): every step runs the encoder forward and backward.
# Loss: 0.2 cross-entropy + 0.8 class-mean soft Dice (SAMed's lambda = 0.8; ClassDiceLoss, as the
# BLO-SAM / AM-SAM configs: mmseg's DiceLoss cannot leave ignored / padded pixels out).
# Optimiser: AdamW lr 5e-3, weight decay 0.1, polynomial decay (power 0.9) per iteration over
# 100 epochs (the BLO-SAM / AM-SAM schedule, without SAMed's warm-up).
#   python tools/train.py configs/samed/samed_vit-b_16shot_vikram-human.py \
#       --cfg-options model.sam_checkpoint=sam_vit_b_01ec64.pth
_base_ = [
    '../_base_/models/sam_vit_b.py', '../_base_/datasets/vikram_human_seg.py',
    '../_base_/epoch_runtime_100e.py'
]
lora_rank = 4
model = dict(
    backbone=dict(lora_rank=lora_rank),  # frozen=True: only the LoRA weights train
    decode_head=dict(
        trainable=('mask_decoder', ),
        prompt_source=dict(_delete_=True, type='DefaultPrompt', target_class=1),
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.2,
                 avg_non_ignore=True),  # padding is labelled ignore
            dict(type='ClassDiceLoss', loss_weight=0.8)
        ]))
# 16 images drawn (class-covering, seed 0) from the human set's training pool
train_dataloader = dict(
    batch_size=2,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        _delete_=True,
        type='KShotDataset',
        shots=16,
        seed=0,
        dataset=dict(_base_.train_dataloader.dataset, pipeline=_base_.sam_train_pipeline)))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-3, betas=(0.9, 0.999), weight_decay=0.1))
# validation on the test split every 5 epochs (for convergence curves: tools/plot_convergence.py;
# --cfg-options train_cfg.val_interval=1 for one point per epoch); the last checkpoint is kept
train_cfg = dict(val_interval=5)
