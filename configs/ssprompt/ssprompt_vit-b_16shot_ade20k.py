# SSPrompt on 16 shots of ADE20K (150 classes), vit-b SAM at 1024 px
# (model and schedule: ssprompt_vit-b_common.py).
_base_ = ['./ssprompt_vit-b_common.py', '../_base_/datasets/ade20k.py']
import mmseg.datasets  # noqa: E402  the class names, in the data set's order
class_names = mmseg.datasets.ADE20KDataset.METAINFO['classes']
# 2 images x 150 prompts per step: decoding 64 prompts at a time with activation checkpointing
# takes the decoder's peak training memory from 43 to 11 GiB (H100, batch 2) for ~1.5x its time
model = dict(decode_head=dict(
    num_classes=len(class_names), decode_chunk=64,
    prompt_source=dict(semantic=dict(class_names=class_names))))
