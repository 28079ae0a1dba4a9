# SSPrompt on 16 shots of Mapillary Vistas v1.2 on the 19 classes it shares with Cityscapes (the
# paper's variant; the map: ../_base_/datasets/mapillary_cityscapes_classes.py), vit-b SAM at
# 1024 px (model and schedule: ssprompt_vit-b_common.py). All 65 classes:
# ssprompt_vit-b_16shot_mapillary-65.py.
_base_ = ['./ssprompt_vit-b_common.py', '../_base_/datasets/mapillary_cityscapes_classes.py']
import mmseg.datasets  # noqa: E402  the class names, in the data set's order (Cityscapes')
class_names = mmseg.datasets.CityscapesDataset.METAINFO['classes']
model = dict(decode_head=dict(
    num_classes=len(class_names), prompt_source=dict(semantic=dict(class_names=class_names))))
