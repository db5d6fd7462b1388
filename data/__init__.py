"""Package data: plans, FAQ and translations, installed as ``bot.data`` (see setup.py)."""
