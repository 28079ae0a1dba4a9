# SSPrompt (spatial + semantic prompt learning) with the tiny SAM at 256 px on CamVid's 11 classes.
# Only the prompt weights and embeddings train; SAM and the CLIP text encoder stay frozen (the
# class-name embeddings are computed once when the model is built).
# Weights: model.sam_checkpoint=... and
#   model.decode_head.prompt_source.semantic.text_checkpoint=<CLIP text encoder, mmseg format>.
_base_ = ['../sam/sam_tiny_gt-box_camvid.py']
camvid_classes = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree', 'SignSymbol', 'Fence',
                  'Car', 'Pedestrian', 'Bicyclist')
model = dict(
    decode_head=dict(
        trainable=(),
        prompt_source=dict(
            _delete_=True,
            type='SSPrompt',
            spatial=dict(type='SpaPrompt', num_points=100, mode='weighted'),
            semantic=dict(type='SemPrompt', class_names=camvid_classes, mode='weighted'))))
# the paper's schedule: SGD, polynomial decay with power 0.9
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
