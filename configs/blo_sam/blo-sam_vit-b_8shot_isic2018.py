# BLO-SAM on 8 shots of ISIC 2018, SAM vit-b at 1024 px.
# D1 / D2 / test: ../_base_/datasets/isic2018_d1d2.py
_base_ = ['./blo-sam_vit-b_common.py', '../_base_/datasets/isic2018_d1d2.py']
