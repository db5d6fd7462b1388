"""The lowest floor: values every layer may use, storage included. Imports nothing of the bot."""
