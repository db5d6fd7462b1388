"""Screens built once for every messenger: text in the port's neutral markup and buttons
whose actions are short server-side ids (`actions.py`). No messenger library here."""
