"""mmseg's IoU metric that also reports every class's own value."""
from typing import Dict

from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class PerClassIoUMetric(IoUMetric):
    """``IoUMetric`` plus one key per class and metric: ``'Dice.foreground'``, ``'IoU.person'``.

    AM-SAM and BLO-SAM report the foreground Dice of binary sets, not the mean over background
    and foreground (``mDice``); with this metric a checkpoint can be chosen by it
    (``CheckpointHook(save_best='Dice.foreground', rule='greater')``).
    """

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        if self.format_only:
            return metrics
        totals = [sum(r[j] for r in results) for j in range(4)]
        per_class = self.total_area_to_metrics(*totals, self.metrics, self.nan_to_num, self.beta)
        for key, values in per_class.items():
            if key != 'aAcc':
                for name, value in zip(self.dataset_meta['classes'], values):
                    metrics[f'{key}.{name}'] = round(float(value) * 100, 2)
        return metrics
