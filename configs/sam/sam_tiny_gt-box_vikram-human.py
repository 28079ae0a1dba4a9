# Tiny SAM (random weights unless model.sam_checkpoint is set) at 256 px on the human set,
# GT-box prompts, mask decoder trained on 16 images drawn from the training pool (KShotDataset).
# For quick end-to-end checks on a CPU.
_base_ = [
    '../_base_/models/sam_tiny.py', '../_base_/datasets/vikram_human_seg.py',
    '../_base_/schedules/iter_200.py', '../_base_/default_runtime.py'
]
data_img_size = 256  # the S of the *_256 pipelines below (sam_tiny.py's sam_img_size)
model = dict(decode_head=dict(trainable=('mask_decoder', )))
# 16 images drawn (class-covering, seed 0) from the human set's training pool
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='KShotDataset',
        shots=16,
        seed=0,
        dataset=dict(_base_.train_dataloader.dataset, pipeline=_base_.sam_train_pipeline_256)))
val_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=dict(pipeline=_base_.sam_test_pipeline_256))
test_dataloader = val_dataloader
