"""Use cases called by handlers, scheduled jobs and the CLI alike.

Each function takes an `AsyncSession` and an explicit `now`, returns plain values from
`bot.services.types`, and raises `bot.services.errors.DomainError` subclasses. Functions that
change state commit their own unit of work.
"""
