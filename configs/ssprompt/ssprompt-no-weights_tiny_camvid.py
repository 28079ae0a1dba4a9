# Ablation (Table 5): learnable embeddings averaged with the defaults, no learnable weights
# (w fixed at 0.5), for both spatial and semantic prompts.
_base_ = ['./ssprompt_tiny_camvid.py']
model = dict(decode_head=dict(prompt_source=dict(
    spatial=dict(mode='average'), semantic=dict(mode='average'))))
