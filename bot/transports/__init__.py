"""Messenger transports: each renders the neutral message and maps its messenger's errors."""
