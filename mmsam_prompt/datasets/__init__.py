from .binary_seg_dataset import BinarySegDataset
from .kshot_dataset import KShotDataset
from .transforms import *  # noqa: F401,F403

__all__ = ['BinarySegDataset', 'KShotDataset']
