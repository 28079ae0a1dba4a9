from .bilevel_hook import BiLevelHook
from .embedding_cache_hook import EmbeddingCacheHook
from .kshot_record_hook import KShotRecordHook

__all__ = ['BiLevelHook', 'EmbeddingCacheHook', 'KShotRecordHook']
