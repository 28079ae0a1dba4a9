# SSPrompt on 16 shots of ACDC (Cityscapes' 19 classes, 4 conditions), vit-b SAM at 1024 px
# (model and schedule: ssprompt_vit-b_common.py).
_base_ = ['./ssprompt_vit-b_common.py', '../_base_/datasets/acdc.py']
import mmsam_prompt.datasets  # noqa: E402  the class names, in the data set's order
class_names = mmsam_prompt.datasets.ACDCDataset.METAINFO['classes']
model = dict(decode_head=dict(
    num_classes=len(class_names), prompt_source=dict(semantic=dict(class_names=class_names))))
