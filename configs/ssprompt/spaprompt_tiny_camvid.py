# SpaPrompt alone: spatial prompts learned (weights + embeddings), semantic prompts at their
# defaults (the "spatial only" rows of the paper's Table 5).
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(semantic=dict(mode='default'))))
