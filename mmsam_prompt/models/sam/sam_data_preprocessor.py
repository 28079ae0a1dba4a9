"""SAM's normalisation and padding as an mmseg data preprocessor."""
from typing import Any, Dict

from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS
from mmseg.utils import stack_batch


@MODELS.register_module()
class SAMDataPreProcessor(SegDataPreProcessor):
    """``SegDataPreProcessor`` that pads every batch to SAM's square input, train and test.

    Like ``Sam.preprocess``: RGB, ``(x - mean) / std``, zero padding at the bottom/right to
    ``size``. Unlike mmseg's, a test batch may hold images of different sizes (SAM resizes the
    longest side only, so shapes differ), and every sample gets ``batch_input_shape``.
    The ground truth of a test batch keeps its own resolution (it is not padded).
    """

    def __init__(self, size=(1024, 1024), mean=(123.675, 116.28, 103.53),
                 std=(58.395, 57.12, 57.375), bgr_to_rgb=True, pad_val=0, seg_pad_val=255,
                 **kwargs) -> None:
        kwargs.setdefault('test_cfg', dict(size=tuple(size)))
        super().__init__(mean=list(mean), std=list(std), size=tuple(size), bgr_to_rgb=bgr_to_rgb,
                         pad_val=pad_val, seg_pad_val=seg_pad_val, **kwargs)

    def forward(self, data: dict, training: bool = False) -> Dict[str, Any]:
        if training:
            out = super().forward(data, training=True)
        else:
            data = self.cast_data(data)
            inputs = data['inputs']
            if self.channel_conversion and inputs[0].size(0) == 3:
                inputs = [x[[2, 1, 0], ...] for x in inputs]
            inputs = [x.float() for x in inputs]
            if self._enable_normalize:
                inputs = [(x - self.mean) / self.std for x in inputs]
            inputs, pad_info = stack_batch(inputs, size=self.test_cfg['size'], pad_val=self.pad_val,
                                           seg_pad_val=self.seg_pad_val)
            out = dict(inputs=inputs, data_samples=data.get('data_samples'))
            for ds, info in zip(out['data_samples'] or [], pad_info):
                ds.set_metainfo(info)
        for ds in out['data_samples'] or []:
            ds.set_metainfo(dict(batch_input_shape=tuple(out['inputs'].shape[2:])))
        return out
