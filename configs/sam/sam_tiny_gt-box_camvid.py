# Tiny SAM (random weights unless model.sam_checkpoint is set) at 256 px on CamVid's 11 classes,
# one GT-box prompt per class present, mask decoder trained on 16 images drawn from the training
# pool (KShotDataset). For quick end-to-end checks of multi-class data on a CPU.
_base_ = [
    '../_base_/models/sam_tiny.py', '../_base_/datasets/camvid.py',
    '../_base_/schedules/iter_200.py', '../_base_/default_runtime.py'
]
data_img_size = 256  # the S of the *_256 pipelines below (sam_tiny.py's sam_img_size)
model = dict(
    decode_head=dict(
        num_classes=11,
        background_index=None,
        prompt_source=dict(_delete_=True, type='GTBoxPrompt'),
        trainable=('mask_decoder', )))
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(dataset=dict(pipeline=_base_.sam_train_pipeline_256)))
val_dataloader = dict(
    num_workers=0, persistent_workers=False, dataset=dict(pipeline=_base_.sam_test_pipeline_256))
test_dataloader = val_dataloader
