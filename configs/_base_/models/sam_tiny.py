# SAM with a tiny image encoder at 256 px, for tests and the demo. No official tiny checkpoint
# exists: tools/make_random_sam_checkpoint.py --arch tiny writes random weights in the official format.
_base_ = ['./sam_vit_b.py']
sam_img_size = 256
model = dict(
    data_preprocessor=dict(size=(sam_img_size, sam_img_size)),
    backbone=dict(arch='tiny', img_size=sam_img_size),
    decode_head=dict(img_size=sam_img_size))
