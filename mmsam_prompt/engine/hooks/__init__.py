from .kshot_record_hook import KShotRecordHook

__all__ = ['KShotRecordHook']
