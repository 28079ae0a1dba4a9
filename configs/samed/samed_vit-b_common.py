# SAMed (Zhang & Liu 2023) as a few-shot baseline, the part its data set configs share (no data):
# SAM vit-b at 1024 px with LoRA (rank 4) on q and v of every image-encoder block, SAM's DEFAULT
# prompt (DefaultPrompt), the mask decoder fine-tuned; loss 0.2 CE + 0.8 class-mean Dice; AdamW
# lr 5e-3, weight decay 0.1, poly decay over 100 epochs; validation on the test split every 5
# epochs. Same settings as samed_vit-b_16shot_vikram-human.py (which explains each one).
# A leaf adds a data set config and sets its k shots (batch 2, shuffled):
#   train_dataloader = dict(batch_size=2, sampler=dict(type='DefaultSampler', shuffle=True),
#                           dataset=dict(shots=k))
_base_ = ['../_base_/models/sam_vit_b.py', '../_base_/epoch_runtime_100e.py']
model = dict(
    backbone=dict(lora_rank=4),
    decode_head=dict(
        trainable=('mask_decoder', ),
        prompt_source=dict(_delete_=True, type='DefaultPrompt', target_class=1),
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.2,
                 avg_non_ignore=True),  # padding is labelled ignore
            dict(type='ClassDiceLoss', loss_weight=0.8)
        ]))
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-3, betas=(0.9, 0.999), weight_decay=0.1))
train_cfg = dict(val_interval=5)
