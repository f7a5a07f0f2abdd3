"""Turning retrieved passages into cited answers (extractive by default, optional LLM)."""
