# SAM vit-l: as sam_vit_b.py with the vit-l image encoder.
# Weights: model.sam_checkpoint=/path/to/sam_vit_l_*.pth (official file, loaded unchanged).
_base_ = ['./sam_vit_b.py']
model = dict(backbone=dict(arch='vit-l'))
