"""Getting what the bot writes to Telegram within Telegram's limits."""
