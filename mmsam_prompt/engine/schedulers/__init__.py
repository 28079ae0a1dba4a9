from .blo_sam_reference_lr import BLOSAMReferenceLR

__all__ = ['BLOSAMReferenceLR']
