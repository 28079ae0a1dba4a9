# SSPrompt on 16 shots of PASCAL-Context (59 classes), vit-b SAM at 1024 px
# (model and schedule: ssprompt_vit-b_common.py).
_base_ = ['./ssprompt_vit-b_common.py', '../_base_/datasets/pascal_context_59.py']
import mmseg.datasets  # noqa: E402  the class names, in the data set's order
class_names = mmseg.datasets.PascalContextDataset59.METAINFO['classes']
model = dict(decode_head=dict(
    num_classes=len(class_names), prompt_source=dict(semantic=dict(class_names=class_names))))
