"""Running the MAX side in the bot's process: the client, then long polling or the webhook.

``MAX_WEBHOOK_URL`` set: subscribe it with ``MAX_WEBHOOK_SECRET`` (``POST /subscriptions``) and
serve it on ``MAX_WEBHOOK_HOST:MAX_WEBHOOK_PORT`` (a reverse proxy terminates TLS: MAX posts
only to https on port 443). Not set: long polling (``GET /updates`` with ``marker``), which
MAX recommends only for development; a webhook left from an earlier run is removed first,
since MAX refuses long polling while one is set.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import quote, urlsplit

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.transport.max.client import DEFAULT_API_BASE, MaxApiError, MaxClient
from bot.transport.max.inbound import UPDATE_TYPES, InboundHandler, MaxInbound

__all__ = ["max_client", "max_deep_link", "serve_max"]

logger = logging.getLogger(__name__)

MAX_DEEP_LINK_PAYLOAD = 128


def max_client(settings: Settings, session: aiohttp.ClientSession) -> MaxClient:
    if settings.max_bot_token is None:
        raise ValueError("MAX_BOT_TOKEN is not set")
    return MaxClient(
        settings.max_bot_token.get_secret_value(),
        session,
        base_url=settings.max_api_base or DEFAULT_API_BASE,
    )


def max_deep_link(bot_name: str, payload: str) -> str:
    """https://max.ru/<bot>?start=<payload>; MAX drops (not cuts) a payload over 128."""
    if not 0 < len(payload) <= MAX_DEEP_LINK_PAYLOAD:
        raise ValueError(f"a MAX start payload is 1-{MAX_DEEP_LINK_PAYLOAD} characters")
    name = bot_name.removeprefix("@").strip("/")
    if not name:
        raise ValueError("the MAX bot's name is empty")
    return f"https://max.ru/{quote(name)}?start={quote(payload, safe='')}"


async def bot_name(settings: Settings, client: MaxClient) -> str:
    """MAX_BOT_NAME, or the username MAX reports for the token (GET /me)."""
    if settings.max_bot_name:
        return settings.max_bot_name
    me = await client.get_me()
    name = me.get("username")
    if not isinstance(name, str) or not name:
        raise ValueError("MAX reports no public name for this bot: set MAX_BOT_NAME")
    return name


async def serve_max(
    settings: Settings, client: MaxClient, handler: InboundHandler, stop: asyncio.Event
) -> None:
    """Receive MAX updates until ``stop`` is set, by webhook or long polling per settings."""
    inbound = MaxInbound(handler)
    if settings.max_webhook_url is None:
        await _drop_old_webhooks(client)
        logger.info("MAX: long polling")
        await inbound.poll(client, stop)
        return
    assert settings.max_webhook_secret is not None  # Settings refuses a URL without it
    secret = settings.max_webhook_secret.get_secret_value()
    app = web.Application()
    app.router.add_post(urlsplit(settings.max_webhook_url).path or "/", inbound.webhook(secret))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, settings.max_webhook_host, settings.max_webhook_port)
        await site.start()
        await client.subscribe(settings.max_webhook_url, secret, UPDATE_TYPES)
        logger.info("MAX: webhook %s", settings.max_webhook_url)
        await stop.wait()
    finally:
        await runner.cleanup()


async def _drop_old_webhooks(client: MaxClient) -> None:
    try:
        for subscription in await client.get_subscriptions():
            url = subscription.get("url")
            if isinstance(url, str):
                await client.unsubscribe(url)
                logger.warning("MAX: removed the webhook %s to poll instead", url)
    except MaxApiError as error:
        logger.warning("MAX: could not check webhooks: %s", error)
