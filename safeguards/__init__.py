"""Openness Safeguards: the safeguards of Hugging Face's "Ethical Openness" post, made real.

The package keeps the domain (categories, records, event log, folded state, permissions,
search) free of Gradio; only `safeguards.ui` imports it.
"""

__version__ = "0.1.0"
