# Table 5, row 1 (the paper's SEEM-T: default prompts, Eq. 2): the 100 grid points over each
# image and the raw class names, nothing of the prompts learned. SAM has no text-aligned output,
# so the mask-token -> text map G (131,584 parameters) is all that trains; add
#   --cfg-options model.decode_head.prompt_source.train_mapping=False
# to test the untrained model (chance-level classes: SAM's tokens are not in CLIP's space).
# vit-b SAM at 1024 px, 16 shots (data and classes: ssprompt_vit-b_16shot_ade20k.py).
_base_ = ['./ssprompt_vit-b_16shot_ade20k.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'), semantic=dict(mode='default'))))
