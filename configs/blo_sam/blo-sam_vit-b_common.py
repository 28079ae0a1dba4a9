# The part the BLO-SAM configs share (no data: not trained by itself): SAM vit-b at 1024 px with
# a learned prompt embedding and a LoRA mask decoder (../_base_/models/blo_sam_vit_b.py), trained
# bi-level for 100 epochs (../_base_/schedules/bilevel_100e.py). Each data set config sets D1 (the
# training set), D2 (the validation set: it picks the best checkpoint) and the test set.
# Weights: model.sam_checkpoint=sam_vit_b_01ec64.pth
_base_ = ['../_base_/models/blo_sam_vit_b.py', '../_base_/schedules/bilevel_100e.py']
