"""Memo of what frozen parts compute (the image encoder embeddings)."""
