"""A thin MAX Bot API client over aiohttp: the eight calls the bot makes, nothing more.

Why not a library (README, «MAX»): the two community packages (maxapi, maxo) are young,
change their API between minor versions, and bring their own dispatcher, models and polling
loop, while the bot needs eight HTTP calls and its own error mapping; and neither is on the
package index this project installs from. The official schema (max-messenger/api-schema,
``schema.yaml``) is the reference: the token goes in the ``Authorization`` header, bodies are
JSON, errors are ``{"code", "message"}`` with an HTTP status.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

__all__ = [
    "DEFAULT_API_BASE",
    "JsonDict",
    "MaxApiError",
    "MaxClient",
    "MaxNetworkError",
    "UpdatePage",
]

JsonDict = dict[str, Any]

DEFAULT_API_BASE = "https://platform-api2.max.ru"
"""The host schema.yaml names («platform-api2.max.ru»)."""


class MaxApiError(Exception):
    """MAX answered with an error status; ``code`` and ``message`` are MAX's own."""

    def __init__(
        self, status: int, code: str, message: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class MaxNetworkError(Exception):
    """No answer. ``never_left`` is True only when no connection was made, so the request
    certainly did not reach MAX; otherwise (dropped connection, timeout, garbled answer) MAX
    may have performed it."""

    def __init__(self, message: str, *, never_left: bool) -> None:
        super().__init__(message)
        self.never_left = never_left


@dataclass(frozen=True, slots=True)
class UpdatePage:
    updates: list[JsonDict]
    marker: int | None


class MaxClient:
    """Calls MAX with one aiohttp session; the caller owns (and closes) the session."""

    def __init__(
        self,
        token: str,
        session: aiohttp.ClientSession,
        *,
        base_url: str = DEFAULT_API_BASE,
        timeout: float = 30.0,
    ) -> None:
        self._token = token
        self._session = session
        self._base = base_url.rstrip("/")
        self._timeout = timeout

    async def get_me(self) -> JsonDict:
        return await self._call("GET", "/me")

    async def send_message(
        self,
        body: JsonDict,
        *,
        user_id: int | None = None,
        chat_id: int | None = None,
        disable_link_preview: bool = False,
    ) -> JsonDict:
        """POST /messages to a dialog (``user_id``) or a group (``chat_id``); the Message."""
        if (user_id is None) == (chat_id is None):
            raise ValueError("pass exactly one of user_id or chat_id")
        params: dict[str, Any] = (
            {"user_id": user_id} if user_id is not None else {"chat_id": chat_id}
        )
        if disable_link_preview:
            params["disable_link_preview"] = "true"
        result = await self._call("POST", "/messages", params=params, body=body)
        message = result.get("message")
        if not isinstance(message, dict):
            raise MaxNetworkError("MAX answered without the message", never_left=False)
        return message

    async def edit_message(self, mid: str, body: JsonDict) -> None:
        await self._call("PUT", "/messages", params={"message_id": mid}, body=body)

    async def delete_message(self, mid: str) -> None:
        await self._call("DELETE", "/messages", params={"message_id": mid})

    async def answer_callback(
        self, callback_id: str, *, message: JsonDict | None = None, notification: str | None = None
    ) -> None:
        body: JsonDict = {}
        if message is not None:
            body["message"] = message
        if notification is not None:
            body["notification"] = notification
        await self._call("POST", "/answers", params={"callback_id": callback_id}, body=body)

    async def get_updates(
        self,
        marker: int | None,
        *,
        wait: int = 30,
        limit: int = 100,
        types: Sequence[str] = (),
    ) -> UpdatePage:
        params: dict[str, Any] = {"timeout": wait, "limit": limit}
        if marker is not None:
            params["marker"] = marker
        if types:
            params["types"] = ",".join(types)
        result = await self._call("GET", "/updates", params=params, seconds=self._timeout + wait)
        updates = result.get("updates")
        marker_out = result.get("marker")
        return UpdatePage(
            updates=[u for u in updates if isinstance(u, dict)]
            if isinstance(updates, list)
            else [],
            marker=marker_out if isinstance(marker_out, int) else None,
        )

    async def subscribe(self, url: str, secret: str, types: Sequence[str] = ()) -> None:
        body: JsonDict = {"url": url, "secret": secret}
        if types:
            body["update_types"] = list(types)
        await self._call("POST", "/subscriptions", body=body)

    async def get_subscriptions(self) -> list[JsonDict]:
        result = await self._call("GET", "/subscriptions")
        found = result.get("subscriptions")
        return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []

    async def unsubscribe(self, url: str) -> None:
        await self._call("DELETE", "/subscriptions", params={"url": url})

    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: JsonDict | None = None,
        seconds: float | None = None,
    ) -> JsonDict:
        query = {k: str(v) for k, v in (params or {}).items()}
        try:
            async with self._session.request(
                method,
                self._base + path,
                params=query,
                json=body,
                headers={"Authorization": self._token},
                timeout=aiohttp.ClientTimeout(total=seconds or self._timeout),
            ) as response:
                raw = await response.read()
                status = response.status
                retry_header = response.headers.get("Retry-After")
        except aiohttp.ClientConnectorError as error:
            raise MaxNetworkError(f"{type(error).__name__}: {error}", never_left=True) from error
        except (aiohttp.ClientError, TimeoutError) as error:
            raise MaxNetworkError(f"{type(error).__name__}: {error}", never_left=False) from error
        try:
            data = json.loads(raw) if raw else {}
        except ValueError:
            data = None
        if status != 200:
            code = data.get("code", "") if isinstance(data, dict) else ""
            message = data.get("message", "") if isinstance(data, dict) else ""
            raise MaxApiError(
                status,
                str(code) or f"http.{status}",
                str(message) or raw[:200].decode("utf-8", "replace"),
                retry_after=_seconds(retry_header),
            )
        if not isinstance(data, dict):
            # 200 with an unreadable body: MAX did the work, the answer is lost.
            raise MaxNetworkError(
                "MAX answered 200 with a body that is not JSON", never_left=False
            )
        return data


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if 0 <= seconds <= 24 * 3600 else None
