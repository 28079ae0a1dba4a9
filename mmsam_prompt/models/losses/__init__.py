from .class_dice_loss import ClassDiceLoss

__all__ = ['ClassDiceLoss']
