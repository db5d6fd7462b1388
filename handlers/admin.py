"""Administration: invitations, members and units. Every handler here is for admins only."""

import logging
from datetime import timedelta
from html import escape

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.i18n import format_day, ngettext
from bot.screens.render import role_name, split_message
from bot.services.errors import DuplicateUnit
from bot.services.invitations import create_invitation, deep_link
from bot.services.members import list_members, revoke_member
from bot.services.plans import list_plan_ids
from bot.services.types import Role, UserInfo
from bot.services.units import add_unit, list_units
from handlers.callbacks import InviteCb, InviteRole, RevokeCb, parse_row_id
from handlers.filters import RoleFilter
from handlers.keyboards import (
    invite_plan_keyboard,
    invite_role_keyboard,
    invite_unit_keyboard,
    members_keyboard,
    revoke_confirm_keyboard,
)

logger = logging.getLogger(__name__)

UNITS_PAGE = 8
MEMBERS_SHOWN = 30
INVITE_ROLES = {
    InviteRole.MEMBER: Role.MEMBER,
    InviteRole.STAFF: Role.STAFF,
    InviteRole.OPERATOR: Role.OPERATOR,
    InviteRole.ADMIN: Role.ADMIN,
}


async def invite_start(message: Message) -> None:
    await message.answer(_("Whom are you inviting?"), reply_markup=invite_role_keyboard())


async def _send_link(
    query: CallbackQuery,
    *,
    session: AsyncSession,
    bot: Bot,
    user: UserInfo,
    clock: Clock,
    role: Role,
    unit_id: int | None,
    unit_name: str | None,
    ttl: timedelta,
    locale: str,
) -> None:
    now = clock.now()
    token, invitation = await create_invitation(
        session, role, unit_id, created_by=user.id, now=now, ttl=ttl
    )
    me = await bot.me()
    link = deep_link(me.username or "", token)
    expires = format_day(invitation.expires_at.date(), locale)
    whom = escape(unit_name) if unit_name else role_name(role)
    text = _(
        "Invitation for {whom}: send this link to one person. It works once, until {expires}.\n\n"
        "{link}"
    ).format(whom=whom, expires=expires, link=link)
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(text)


async def invite_step(
    query: CallbackQuery,
    *,
    callback_data: InviteCb,
    session: AsyncSession,
    bot: Bot,
    user: UserInfo,
    clock: Clock,
    invitation_ttl: timedelta,
    i18n: I18n,
) -> None:
    role = INVITE_ROLES[callback_data.role]
    if role is not Role.MEMBER:
        await _send_link(
            query,
            session=session,
            bot=bot,
            user=user,
            clock=clock,
            role=role,
            unit_id=None,
            unit_name=None,
            ttl=invitation_ttl,
            locale=i18n.current_locale,
        )
        return
    plan_ids = await list_plan_ids(session)
    if callback_data.plan < 0 or callback_data.plan >= len(plan_ids):
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(
                _("Which plan?"), reply_markup=invite_plan_keyboard(plan_ids)
            )
        return
    units = await list_units(session, plan_ids[callback_data.plan])
    chosen = next((u for u in units if u.id == callback_data.unit), None)
    if chosen is not None:
        await _send_link(
            query,
            session=session,
            bot=bot,
            user=user,
            clock=clock,
            role=role,
            unit_id=chosen.id,
            unit_name=chosen.name,
            ttl=invitation_ttl,
            locale=i18n.current_locale,
        )
        return
    await query.answer()
    if isinstance(query.message, Message):
        await query.message.edit_text(
            _("Which unit of {plan}?").format(plan=escape(plan_ids[callback_data.plan])),
            reply_markup=invite_unit_keyboard(
                callback_data.plan, units, callback_data.page, UNITS_PAGE
            ),
        )


async def show_members(message: Message, session: AsyncSession, i18n: I18n) -> None:
    members = await list_members(session)
    if not members:
        await message.answer(_("Nobody has joined yet. /invite creates an invitation link."))
        return
    lines = [_("Members ({count}):").format(count=len(members))]
    for member in members[:MEMBERS_SHOWN]:
        username = f" @{escape(member.username)}" if member.username else ""
        lines.append(
            f"#{member.membership_id} {escape(member.full_name)}{username} — "
            f"{escape(member.unit_name)} ({escape(member.plan_id)}), "
            + _("since {day}").format(day=format_day(member.since.date(), i18n.current_locale))
        )
    if len(members) > MEMBERS_SHOWN:
        lines.append(_("…and {more} more.").format(more=len(members) - MEMBERS_SHOWN))
    await message.answer("\n".join(lines), reply_markup=members_keyboard(members[:MEMBERS_SHOWN]))


async def revoke_by_number(
    message: Message, command: CommandObject, session: AsyncSession, user: UserInfo, clock: Clock
) -> None:
    number = parse_row_id(command.args or "")
    if number is None:
        await message.answer(_("Usage: /revoke ID, where ID is the number /members shows."))
        return
    revoked = await revoke_member(
        session, membership_id=number, by_user_id=user.id, now=clock.now()
    )
    logger.info("user %s revoked memberships %s", user.id, [m.id for m in revoked])
    await message.answer(_("Revoked: {count}.").format(count=len(revoked)))


async def revoke_button(
    query: CallbackQuery,
    callback_data: RevokeCb,
    session: AsyncSession,
    user: UserInfo,
    clock: Clock,
) -> None:
    await query.answer()
    if not isinstance(query.message, Message):
        return
    if not callback_data.confirm:
        await query.message.answer(
            _("Revoke membership #{number}?").format(number=callback_data.membership),
            reply_markup=revoke_confirm_keyboard(callback_data.membership),
        )
        return
    await revoke_member(
        session, membership_id=callback_data.membership, by_user_id=user.id, now=clock.now()
    )
    logger.info("user %s revoked membership %s", user.id, callback_data.membership)
    await query.message.edit_text(
        _("Membership #{number} revoked.").format(number=callback_data.membership)
    )


async def units(
    message: Message, command: CommandObject, session: AsyncSession, clock: Clock
) -> None:
    args = (command.args or "").strip()
    if args.startswith("add"):
        parts = [part.strip() for part in args.removeprefix("add").split("|")]
        if len(parts) != 3 or not all(parts):
            await message.answer(
                _(
                    "Usage: /units add PLAN | PARTY | NAME, e.g. "
                    "/units add spassk-dalny-gia-2024 | ОО | МБОУ СОШ № 3"
                )
            )
            return
        try:
            unit = await add_unit(session, parts[0], parts[1], parts[2], clock.now())
        except DuplicateUnit as error:
            await message.answer(
                _(
                    "{plan} already has the unit «{existing}»; «{name}» would be the same one. "
                    "Invite its people with /invite, or choose a name that tells them apart."
                ).format(
                    plan=escape(error.plan_id),
                    existing=escape(error.existing),
                    name=escape(error.name),
                )
            )
            return
        await message.answer(
            _("Unit «{name}» registered under {parties} in {plan}.").format(
                name=escape(unit.name),
                parties=escape(", ".join(unit.parties)),
                plan=escape(unit.plan_id),
            )
        )
        return
    plan_ids = await list_plan_ids(session)
    chosen = [args] if args else plan_ids
    lines: list[str] = []
    for plan_id in chosen:
        plan_units = await list_units(session, plan_id)
        lines.append(
            f"<b>{escape(plan_id)}</b> — "
            + ngettext("{count} unit", "{count} units", len(plan_units)).format(
                count=len(plan_units)
            )
        )
        lines += [
            f"• {escape(u.name)}" + (f" ({escape(', '.join(u.parties))})" if u.parties else "")
            for u in plan_units
        ]
    for chunk in split_message("\n".join(lines) or _("No plans are loaded.")):
        await message.answer(chunk)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(RoleFilter(Role.ADMIN))
    router.callback_query.filter(RoleFilter(Role.ADMIN))
    router.message.register(invite_start, Command("invite"))
    router.callback_query.register(invite_step, InviteCb.filter())
    router.message.register(show_members, Command("members"))
    router.message.register(revoke_by_number, Command("revoke"))
    router.callback_query.register(revoke_button, RevokeCb.filter())
    router.message.register(units, Command("units"))
    return router
