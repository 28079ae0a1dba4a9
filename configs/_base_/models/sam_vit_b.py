# SAM vit-b: frozen image encoder + prompt encoder + mask decoder as an mmseg segmentor.
# Weights: model.sam_checkpoint=/path/to/sam_vit_b_*.pth (official file, loaded unchanged).
sam_img_size = 1024
data_preprocessor = dict(
    type='SAMDataPreProcessor',  # SAM's RGB mean/std, zero padding to a square at bottom/right
    size=(sam_img_size, sam_img_size))
model = dict(
    type='SAMSegmentor',
    data_preprocessor=data_preprocessor,
    sam_checkpoint=None,
    backbone=dict(type='SAMImageEncoder', arch='vit-b', img_size=sam_img_size, frozen=True),
    decode_head=dict(
        type='SAMHead',
        num_classes=2,
        img_size=sam_img_size,
        prompt_source=dict(type='GTBoxPrompt', exclude_classes=(0, )),
        background_index=0,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                         avg_non_ignore=True)),  # padding (255) is not averaged in
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
