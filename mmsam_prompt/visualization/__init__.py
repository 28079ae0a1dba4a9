from .sam_visualizer import SAMSegVisualizer

__all__ = ['SAMSegVisualizer']
