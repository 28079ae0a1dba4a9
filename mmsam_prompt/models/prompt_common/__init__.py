"""Helpers shared by prompt sources and token learners (the only module they import besides
the contract in ``prompt_sources/base.py`` and ``prompt_learners/base.py``)."""
