"""The project's own errors: one line that names the problem and the fix.

``tools/train.py`` and ``tools/test.py`` print these (and a few OS / checkpoint errors, see
:mod:`mmsam_prompt.utils.cli`) as one line and exit with status 1; ``--debug`` shows the traceback.
"""


class MMSAMError(Exception):
    """An error the user can fix; ``str(err)`` is one line naming the problem and the fix."""


class DataError(MMSAMError, ValueError):
    """A data set, split, image or mask that cannot be used as it is."""


class ConfigMismatchError(MMSAMError, ValueError):
    """Two parts of a config that must agree do not (pipeline size and model size, class names)."""


class CheckpointError(MMSAMError):
    """A checkpoint that cannot be written or read."""


class NonFiniteLossError(MMSAMError, FloatingPointError):
    """Training produced a NaN or infinite loss."""


class MissingPromptInputError(MMSAMError, KeyError):
    """A prompt source needs something the data sample lacks (ground truth, given prompts)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ''
