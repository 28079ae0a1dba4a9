# Tiny SAM (random weights unless model.sam_checkpoint is set) at 256 px on the human set,
# GT-box prompts, mask decoder trained on 16 images drawn from the training pool (KShotDataset).
# For quick end-to-end checks on a CPU.
_base_ = [
    '../_base_/models/sam_tiny.py', '../_base_/datasets/vikram_human_seg.py',
    '../_base_/schedules/iter_200.py', '../_base_/default_runtime.py'
]
sam_img_size = 256
model = dict(decode_head=dict(trainable=('mask_decoder', )))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='SAMResizeLongestSide', target_length=sam_img_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='SAMResizeLongestSide', target_length=sam_img_size),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='KShotDataset',
        shots=16,
        seed=0,
        dataset=dict(
            type='BinarySegDataset',
            data_root={{_base_.data_root}},
            data_prefix=dict(img_path='images', seg_map_path='masks'),
            ann_file='splits/train_pool_first190_numeric.txt',
            foreground_values=(255, ),
            pipeline=train_pipeline)))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
