# Mapillary Vistas v1.2 on the 19 classes it shares with Cityscapes: the SSPrompt paper's variant
# ("Following prior transfer learning work [15], we report results over 19 categories shared with
# Cityscapes", App. A). Same files, split and SAM pipelines as ./mapillary.py (65 classes); the
# stored v1.2 label ids are read through the map below (LabelMapSegDataset), every other id (and
# 65 'Unlabeled') as 255, ignored. Class names and their order: Cityscapes' train ids.
# The map (the paper's own table was not published; this is the one of tue-mps/benchmark-vfm-ss,
# datasets/mappings.py, a Cityscapes -> Mapillary benchmark): road <- Road, Lane Marking -
# General, Manhole; sidewalk <- Curb, Sidewalk; building; wall; fence; pole <- Pole, Utility Pole;
# traffic light; traffic sign <- Traffic Sign (Front); vegetation; terrain; sky; person; rider <-
# Bicyclist, Motorcyclist, Other Rider; car; truck; bus; train <- On Rails; motorcycle; bicycle.
# Model: decode_head.num_classes=19, background_index=None.
_base_ = ['./mapillary.py']
import mmseg.datasets  # noqa: E402  Cityscapes' class names and palette
cityscapes_meta = dict(classes=mmseg.datasets.CityscapesDataset.METAINFO['classes'],
                       palette=mmseg.datasets.CityscapesDataset.METAINFO['palette'])
mapillary_to_cityscapes = {13: 0, 24: 0, 41: 0, 2: 1, 15: 1, 17: 2, 6: 3, 3: 4, 45: 5, 47: 5, 48: 6,
                           50: 7, 30: 8, 29: 9, 27: 10, 19: 11, 20: 12, 21: 12, 22: 12, 55: 13,
                           61: 14, 54: 15, 58: 16, 57: 17, 52: 18}
mapillary_value_map = {i: mapillary_to_cityscapes.get(i, 255) for i in range(66)}
as_cityscapes = dict(type='LabelMapSegDataset', value_map=mapillary_value_map,
                     metainfo=cityscapes_meta, img_suffix='.jpg', seg_map_suffix='.png')
train_dataloader = dict(dataset=dict(dataset=as_cityscapes))
val_dataloader = dict(dataset=as_cityscapes)
test_dataloader = val_dataloader
