# syntax=docker/dockerfile:1
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a source change does not reinstall them.
COPY pyproject.toml README.md ./
RUN mkdir -p bot handlers storage && touch bot/__init__.py handlers/__init__.py storage/__init__.py \
    && pip install . && pip uninstall -y roadmap-bot

COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY data ./data
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /app roadmap \
    && chown -R roadmap /app/data

USER roadmap
# Exec form: the bot is PID 1 and receives SIGTERM directly for a clean shutdown.
ENTRYPOINT ["roadmap-bot"]
CMD ["run"]
