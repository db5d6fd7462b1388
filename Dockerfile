# syntax=docker/dockerfile:1
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a source change does not reinstall them.
COPY pyproject.toml setup.py README.md ./
RUN mkdir -p bot handlers storage data && touch bot/__init__.py handlers/__init__.py \
        storage/__init__.py data/__init__.py \
    && pip install . && pip uninstall -y roadmap-bot

# The source, then the package itself: plans, FAQ and catalogs go in as package data (bot.data),
# so the bot needs nothing from /app at run time.
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY data ./data
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /var/lib/roadmap-bot roadmap \
    && mkdir -p /var/lib/roadmap-bot && chown roadmap /var/lib/roadmap-bot

# The SQLite database (DATABASE_URL's default, roadmap-bot.sqlite3 in the working directory)
# lives in a volume, out of the image and out of the installed package.
WORKDIR /var/lib/roadmap-bot
VOLUME ["/var/lib/roadmap-bot"]
USER roadmap
# Exec form: the bot is PID 1 and receives SIGTERM directly for a clean shutdown.
ENTRYPOINT ["roadmap-bot"]
CMD ["run"]
