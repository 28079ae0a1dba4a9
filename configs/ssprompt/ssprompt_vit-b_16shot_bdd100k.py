# SSPrompt on 16 shots of BDD100K (19 classes), vit-b SAM at 1024 px
# (model and schedule: ssprompt_vit-b_common.py).
_base_ = ['./ssprompt_vit-b_common.py', '../_base_/datasets/bdd100k.py']
import mmseg.datasets  # noqa: E402  the class names, in the data set's order
class_names = mmseg.datasets.BDD100KDataset.METAINFO['classes']
model = dict(decode_head=dict(
    num_classes=len(class_names), prompt_source=dict(semantic=dict(class_names=class_names))))
