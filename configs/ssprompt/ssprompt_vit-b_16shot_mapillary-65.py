# SSPrompt on 16 shots of Mapillary Vistas v1.2, all 65 classes (the paper evaluates 19:
# ssprompt_vit-b_16shot_mapillary.py), vit-b SAM at 1024 px
# (model and schedule: ssprompt_vit-b_common.py).
_base_ = ['./ssprompt_vit-b_common.py', '../_base_/datasets/mapillary.py']
import mmseg.datasets  # noqa: E402  the class names, in the data set's order
class_names = mmseg.datasets.MapillaryDataset_v1.METAINFO['classes'][:65]  # all but 'Unlabeled'
model = dict(decode_head=dict(
    num_classes=len(class_names), prompt_source=dict(semantic=dict(class_names=class_names))))
