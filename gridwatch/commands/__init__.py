"""Subcommands of ``python -m gridwatch``, one module each."""
