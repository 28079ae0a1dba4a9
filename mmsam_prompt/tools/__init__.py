"""Reusable logic behind the scripts in ``tools/``."""
