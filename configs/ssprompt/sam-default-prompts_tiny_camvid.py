# Zero-shot SAM with SSPrompt's default prompts (Eq. 2): the 100 grid-point tokens and the CLIP
# class-name tokens, nothing learned. Test only:
#   python tools/test.py configs/ssprompt/sam-default-prompts_tiny_camvid.py SAM_CHECKPOINT
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='default'), semantic=dict(mode='default'))))
train_dataloader = None
train_cfg = None
optim_wrapper = None
param_scheduler = None
