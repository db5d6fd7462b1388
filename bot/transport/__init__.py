"""Transports: the messengers the bot speaks through, each behind the port in `port.py`."""
