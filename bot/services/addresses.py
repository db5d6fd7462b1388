"""Where a person can be written to: their messenger accounts, and the one reminders use.

Kept apart from `accounts` (binding, invitations) so the reminder release can import it
without an import cycle through the invitations.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import INTERNAL_USER_ID_BASE, AccountRow, UserRow

__all__ = ["TRANSPORTS", "Account", "Kind", "Transport", "choose_address", "reminder_routes"]

Transport = Literal["telegram", "max"]
TRANSPORTS: tuple[Transport, ...] = ("telegram", "max")
Kind = Literal["user", "chat"]


@dataclass(frozen=True, slots=True)
class Account:
    transport: Transport
    kind: Kind
    external_id: str


def choose_address(
    addresses: tuple[Account, ...],
    preferred: str | None,
    configured: tuple[Transport, ...] = TRANSPORTS,
) -> Account | None:
    """The one dialog a reminder goes to: the preferred messenger if bound and configured,
    else the first configured one the user is bound on (Telegram before MAX)."""
    dialogs = [a for a in addresses if a.kind == "user" and a.transport in configured]
    for address in dialogs:
        if address.transport == preferred:
            return address
    for transport in configured:
        for address in dialogs:
            if address.transport == transport:
                return address
    return None


async def reminder_routes(
    session: AsyncSession, user_ids: Collection[int], configured: tuple[Transport, ...]
) -> dict[int, tuple[Transport, int]]:
    """For each user, the (transport, chat or user id) their reminders go to: one messenger
    only, the one they chose (see `choose_address`). Users reachable on no configured
    messenger are left out. Telegram's id is the users row's chat_id, as before accounts."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    users = {
        row.id: row for row in await session.scalars(select(UserRow).where(UserRow.id.in_(ids)))
    }
    bound: dict[int, list[Account]] = {user_id: [] for user_id in users}
    for row in await session.scalars(
        select(AccountRow).where(AccountRow.user_id.in_(ids)).order_by(AccountRow.id)
    ):
        bound[row.user_id].append(
            Account(_transport(row.transport), _kind(row.kind), row.external_id)
        )
    routes: dict[int, tuple[Transport, int]] = {}
    for user_id, user in users.items():
        accounts = bound[user_id]
        if user_id < INTERNAL_USER_ID_BASE and not any(
            a.transport == "telegram" and a.kind == "user" for a in accounts
        ):
            accounts.insert(0, Account("telegram", "user", str(user_id)))
        chosen = choose_address(tuple(accounts), user.preferred_transport, configured)
        if chosen is None:
            continue
        if chosen.transport == "telegram":
            routes[user_id] = ("telegram", user.chat_id)
        elif chosen.external_id.lstrip("-").isdigit():
            routes[user_id] = (chosen.transport, int(chosen.external_id))
    return routes


def _transport(value: str | None) -> Transport:
    return "max" if value == "max" else "telegram"


def _kind(value: str) -> Kind:
    return "chat" if value == "chat" else "user"
