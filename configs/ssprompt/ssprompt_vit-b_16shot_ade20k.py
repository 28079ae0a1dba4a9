# SSPrompt on 16 shots of ADE20K (150 classes), vit-b SAM at 1024 px
# (model and schedule: ssprompt_vit-b_common.py). The 150 classes only enter the classifier: the
# decoder still decodes 2 images x 100 single-point prompts per step.
_base_ = ['./ssprompt_vit-b_common.py', '../_base_/datasets/ade20k.py']
import mmseg.datasets  # noqa: E402  the class names, in the data set's order
class_names = mmseg.datasets.ADE20KDataset.METAINFO['classes']
model = dict(decode_head=dict(
    num_classes=len(class_names), prompt_source=dict(semantic=dict(class_names=class_names))))
