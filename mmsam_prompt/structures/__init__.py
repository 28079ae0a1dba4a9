from .sample_frame import FLIP_DIRECTIONS, SampleFrame

__all__ = ['FLIP_DIRECTIONS', 'SampleFrame']
