# SSPrompt (the paper's model: 100 spatial prompts -> 100 masks per image, classified by the 11
# semantic prompts) with the tiny SAM at 256 px on CamVid. Only the prompt embeddings and weights
# and the mask-token -> text map G train; SAM and the CLIP text encoder stay frozen (the
# class-name embeddings are computed once when the model is built).
# Weights: model.sam_checkpoint=... and
#   model.decode_head.prompt_source.semantic.text_checkpoint=<CLIP text encoder, mmseg format>.
_base_ = ['../sam/sam_tiny_gt-box_camvid.py']
camvid_classes = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree', 'SignSymbol', 'Fence',
                  'Car', 'Pedestrian', 'Bicyclist')
model = dict(
    decode_head=dict(
        trainable=(),
        decode_chunk=50,  # 2 images x 100 prompts per step: 50 per decoder pass, checkpointed
        prompt_source=dict(
            _delete_=True,
            type='SSPrompt',
            spatial=dict(type='SpaPrompt', num_points=100, mode='weighted'),
            semantic=dict(type='SemPrompt', class_names=camvid_classes, mode='weighted'),
            temperature=0.01,
            train_mapping=True)))
# the paper's schedule: SGD, polynomial decay with power 0.9
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
# for mmseg.apis.inference_model (MMSegInferencer reads the test loader's pipeline)
test_pipeline = _base_.sam_test_pipeline_256
