# The part the paper configs ssprompt_vit-b_16shot_<set>.py share (no data: not trained by
# itself): SSPrompt (the paper's model: 100 spatial prompts -> 100 masks per image, classified by
# one semantic prompt per class; weighted fusion) on the vit-b SAM at 1024 px, only the prompts
# and the mask-token -> text map G trained, and the paper's schedule: SGD (momentum 0.9,
# weight decay 1e-4), polynomial decay with power 0.9, iteration based, random flip (in the SAM
# pipelines). Two numbers were lost from the extracted paper text and are our choice:
# - lr 0.01;
# - 2000 iterations at batch size 2 (the data configs'): 250 passes over 16 shots, 1000 over 4,
#   the same for every shot count so that only the data changes. SAM's image encoder is frozen
#   and its output cached (FrozenOutputCache), so an iteration costs the prompt decoding alone:
#   2 images x 100 single-point prompts, whatever the number of classes (they only enter the
#   classifier), decoded 50 at a time with activation checkpointing.
# Each data set config sets the class names and num_classes. Weights:
#   model.sam_checkpoint=sam_vit_b_01ec64.pth
#   model.decode_head.prompt_source.semantic.text_checkpoint=<CLIP text encoder, mmseg format>
_base_ = [
    '../_base_/models/sam_vit_b.py', '../_base_/schedules/iter_200.py',
    '../_base_/default_runtime.py'
]
max_iters = 2000
model = dict(
    decode_head=dict(
        background_index=None,
        trainable=(),
        decode_chunk=50,
        prompt_source=dict(
            _delete_=True,
            type='SSPrompt',
            spatial=dict(type='SpaPrompt', num_points=100, mode='weighted'),
            semantic=dict(type='SemPrompt', class_names=(), mode='weighted'),
            temperature=0.01,
            train_mapping=True)))
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
