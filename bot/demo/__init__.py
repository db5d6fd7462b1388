"""`roadmap-bot demo`: the real bot, a local Bot API server and a Telegram-like web page.

Submodules are imported by the command when it runs (the CLI stays fast for other commands).
"""
