# SemPrompt alone: semantic prompts learned (weights + embeddings), spatial prompts at their
# defaults (the "semantic only" rows of the paper's Table 5).
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(spatial=dict(mode='default'))))
