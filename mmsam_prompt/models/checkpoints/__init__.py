"""Reading official SAM checkpoints (and other weights) with weights_only=True."""
