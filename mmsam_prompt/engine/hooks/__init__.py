from .bilevel_hook import BiLevelHook
from .embedding_cache_hook import EmbeddingCacheHook
from .epoch_seed_hook import EpochSeedHook
from .kshot_record_hook import KShotRecordHook
from .non_finite_loss_hook import NonFiniteLossHook
from .safe_checkpoint_hook import SafeCheckpointHook
from .startup_check_hook import StartupCheckHook

__all__ = ['BiLevelHook', 'EmbeddingCacheHook', 'EpochSeedHook', 'KShotRecordHook',
           'NonFiniteLossHook', 'SafeCheckpointHook', 'StartupCheckHook']
