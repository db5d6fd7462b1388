"""The bot end to end: invitations, /my, one-tap completion, authorization, resilience."""

import logging
from datetime import timedelta
from typing import Any

import pytest
from fake_telegram import FakeUser
from harness import ADMIN, OFFICIAL, PARENT, PLAN_ID, SCHOOL_3, SCHOOL_7, Harness, bot, link_token
from sqlalchemy import func, select

from bot.app import set_commands
from bot.services.types import Role
from storage.models import AssignmentEventRow, AssignmentRow, MembershipRow

__all__ = ["bot"]  # the fixture, imported for pytest

UNDO_MINUTES = 15


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [
        (button["text"], button.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


async def open_first(bot: Harness, user: FakeUser, code: str) -> dict[str, Any]:
    """/my, then the button of the assignment with that code; returns the card message."""
    listing = await bot.say(user, "/my")
    label = next(text for text, _data in buttons(listing.result) if text.endswith(f". {code}"))
    await bot.press(user, listing.result, text=label)
    await bot.server.wait_for_call("editMessageText")
    return bot.last(user)


async def test_admin_invites_through_the_bot_and_the_link_binds_the_unit(bot: Harness) -> None:
    menu = await bot.say(ADMIN, "/invite")
    await bot.press(ADMIN, menu.result, text="Исполнитель (участник организации)")
    await bot.settle()
    await bot.press(ADMIN, bot.last(ADMIN), text=PLAN_ID)
    await bot.settle()
    await bot.press(ADMIN, bot.last(ADMIN), text="МБОУ СОШ № 3")
    await bot.settle()
    token = link_token(bot.last(ADMIN)["text"])
    assert "https://t.me/roadmap_test_bot?start=" in bot.last(ADMIN)["text"]

    welcome = await bot.say(SCHOOL_3, f"/start {token}")

    assert "МБОУ СОШ № 3" in welcome.params["text"]
    async with bot.session() as session:
        members = await session.scalar(
            select(func.count()).where(MembershipRow.user_id == SCHOOL_3.id)
        )
    assert members == 1


async def test_used_and_expired_links_are_refused_politely(bot: Harness) -> None:
    token = await bot.invitation(Role.MEMBER, "МБОУ СОШ № 3")
    await bot.say(SCHOOL_3, f"/start {token}")

    reused = await bot.say(SCHOOL_7, f"/start {token}")
    assert "уже использована" in reused.params["text"]

    stale = await bot.invitation(Role.MEMBER, "МБОУ СОШ № 7")
    bot.clock.advance(timedelta(days=8))
    expired = await bot.say(SCHOOL_7, f"/start {stale}")
    assert "истёк" in expired.params["text"]

    unknown = await bot.say(SCHOOL_7, "/start notarealtoken")
    assert "недействительна" in unknown.params["text"]
    assert bot.server.unexpected_errors() == []


async def test_my_lists_the_units_assignments_nearest_first(bot: Harness) -> None:
    await bot.join(SCHOOL_3, "МБОУ СОШ № 3")

    listing = await bot.say(SCHOOL_3, "/my")

    text = listing.params["text"]
    assert text.index("1.1") < text.index("1.2")
    assert "1.3" not in text  # Иванова А.А.'s, not the school's
    assert "осталось 10 дней" in text  # 20 October, seen from 10 October in Vladivostok
    assert [label for label, _data in buttons(listing.result)] == ["1. 1.1", "2. 1.2"]


async def test_done_is_stored_edited_idempotent_and_undoable_for_a_while(bot: Harness) -> None:
    await bot.join(SCHOOL_3, "МБОУ СОШ № 3")
    card = await open_first(bot, SCHOOL_3, "1.1")
    assert "⏳ Не выполнено" in card["text"]

    answer = await bot.press(SCHOOL_3, card, text="✅ Выполнено")
    assert answer.params["text"] == "Отмечено как выполненное."
    await bot.settle()
    card = bot.last(SCHOOL_3)
    assert "✅ Выполнено" in card["text"]
    assert "Ирина" in card["text"]
    card_undo = dict(buttons(card))["↩️ Отменить"]

    again = await bot.press(SCHOOL_3, card, card_undo.replace(":u:", ":d:"), forged=True)
    assert again.params["text"] == "Уже отмечено как выполненное."
    async with bot.session() as session:
        row = await session.scalar(
            select(AssignmentRow).where(AssignmentRow.status == "confirmed")
        )
        events = await session.scalar(select(func.count()).select_from(AssignmentEventRow))
    assert row is not None
    assert row.confirmed_by_user_id == SCHOOL_3.id
    assert row.confirmed_at == bot.clock.now()
    assert events == 1

    await bot.press(SCHOOL_3, card, text="↩️ Отменить")
    await bot.settle()
    card = bot.last(SCHOOL_3)
    assert "⏳ Не выполнено" in card["text"]

    await bot.press(SCHOOL_3, card, text="✅ Выполнено")
    await bot.settle()
    bot.clock.advance(timedelta(minutes=UNDO_MINUTES + 1))
    late = await bot.press(SCHOOL_3, bot.last(SCHOOL_3), text="↩️ Отменить")
    assert late.params["text"] == "Это уже нельзя сделать."
    async with bot.session() as session:
        kinds = list(await session.scalars(select(AssignmentEventRow.kind)))
    assert kinds == ["confirmed", "undone", "confirmed"]


async def test_two_schools_complete_the_same_measure_independently(bot: Harness) -> None:
    await bot.join(SCHOOL_3, "МБОУ СОШ № 3")
    await bot.join(SCHOOL_7, "МБОУ СОШ № 7")

    card = await open_first(bot, SCHOOL_3, "1.1")
    await bot.press(SCHOOL_3, card, text="✅ Выполнено")
    await bot.settle()

    other = await bot.say(SCHOOL_7, "/my")
    assert "▫️ <b>1.1</b>" in other.params["text"]
    assert "✅" not in other.params["text"]
    async with bot.session() as session:
        statuses = [str(s) for s in await session.scalars(select(AssignmentRow.status))]
    assert statuses.count("confirmed") == 1


async def test_forged_button_for_another_units_assignment_is_refused_and_logged(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.join(SCHOOL_3, "МБОУ СОШ № 3")
    await bot.join(SCHOOL_7, "МБОУ СОШ № 7")
    card = await open_first(bot, SCHOOL_3, "1.1")
    done_data = dict(buttons(card))["✅ Выполнено"]
    own = await bot.say(SCHOOL_7, "/my")

    with caplog.at_level(logging.WARNING):
        refused = await bot.press(SCHOOL_7, own.result, done_data, forged=True)

    assert refused.params["text"] == "Это задание другой организации, отметить его вы не можете."
    assert any("refused" in r.message and str(SCHOOL_7.id) in r.message for r in caplog.records)
    async with bot.session() as session:
        confirmed = await session.scalar(
            select(func.count()).where(AssignmentRow.status == "confirmed")
        )
    assert confirmed == 0


async def test_garbage_callback_data_is_answered_not_fatal(bot: Harness) -> None:
    await bot.join(SCHOOL_3, "МБОУ СОШ № 3")
    listing = await bot.say(SCHOOL_3, "/my")

    answer = await bot.press(SCHOOL_3, listing.result, "a1:x:notanumber", forged=True)

    assert answer.params["text"] == "Эта кнопка больше не действует."
    assert (await bot.say(SCHOOL_3, "/help")).params["text"].startswith("Что я могу")


async def test_public_user_cannot_reach_member_or_admin_commands(bot: Harness) -> None:
    greeting = await bot.say(PARENT, "/start")
    assert "ГИА-9" in greeting.params["text"]

    my = await bot.say(PARENT, "/my")
    assert "не закреплены" in my.params["text"]
    for command in ("/invite", "/members", "/revoke 1", "/units"):
        reply = await bot.say(PARENT, command)
        assert "недоступна" in reply.params["text"], command
    help_text = (await bot.say(PARENT, "/help")).params["text"]
    assert "/invite" not in help_text
    assert "/my" not in help_text


async def test_admin_lists_and_revokes_members(bot: Harness) -> None:
    await bot.join(SCHOOL_3, "МБОУ СОШ № 3")
    members = await bot.say(ADMIN, "/members")
    assert "Ирина" in members.params["text"]

    await bot.press(ADMIN, members.result, text="Отозвать: Ирина")
    await bot.settle()
    await bot.press(ADMIN, bot.last(ADMIN), text="Да, отозвать")
    await bot.settle()

    after = await bot.say(SCHOOL_3, "/my")
    assert "не закреплены" in after.params["text"]


async def test_person_unit_and_staff_invitation(bot: Harness) -> None:
    await bot.join(OFFICIAL, "Иванова А.А.")
    listing = await bot.say(OFFICIAL, "/my")
    assert "1.3" in listing.params["text"]

    token = await bot.invitation(Role.STAFF)
    welcome = await bot.say(PARENT, f"/start {token}")
    assert "сотрудник министерства" in welcome.params["text"]


async def test_comment_is_stored_and_long_ones_are_refused(bot: Harness) -> None:
    await bot.join(SCHOOL_3, "МБОУ СОШ № 3")
    card = await open_first(bot, SCHOOL_3, "1.1")
    await bot.press(SCHOOL_3, card, text="💬 Комментарий")
    await bot.settle()

    too_long = await bot.say(SCHOOL_3, "я" * 1001)
    assert "слишком длинный" in too_long.params["text"]
    saved = await bot.say(SCHOOL_3, "Собрание перенесено на 19 октября")
    assert saved.params["text"] == "Комментарий сохранён."
    async with bot.session() as session:
        texts = list(await session.scalars(select(AssignmentEventRow.text)))
    assert texts == ["Собрание перенесено на 19 октября"]


async def test_language_switch_to_english(bot: Harness) -> None:
    menu = await bot.say(SCHOOL_3, "/lang")
    await bot.press(SCHOOL_3, menu.result, text="🇬🇧 English")
    await bot.settle()
    assert bot.last(SCHOOL_3)["text"] == "Language: English."

    reply = await bot.say(SCHOOL_3, "/my")
    assert reply.params["text"].startswith("You do not report")


async def test_telegram_errors_on_one_call_do_not_kill_the_bot(bot: Harness) -> None:
    bot.server.fail("sendMessage", status=500, chat_id=PARENT.id)
    failed = await bot.say(PARENT, "/help")
    assert failed.status == 500

    bot.server.fail("sendMessage", status=400, chat_id=PARENT.id)
    await bot.say(PARENT, "/help")

    works = await bot.say(PARENT, "/help")
    assert works.ok
    assert works.params["text"].startswith("Что я могу")


async def test_startup_sets_commands_in_both_languages(bot: Harness) -> None:
    russian = bot.server.commands()
    english = bot.server.commands(language_code="en")

    assert {"command": "help", "description": "Что умеет этот бот"} in russian
    assert {"command": "help", "description": "What this bot can do"} in english
    assert "my" not in {command["command"] for command in russian}  # visitors have no /my


async def test_the_admins_first_start_is_a_greeting_not_a_welcome_back(bot: Harness) -> None:
    first = (await bot.say(ADMIN, "/start")).result["text"]
    assert "Снова" not in first and "Вы администратор" in first and "/invite" in first, first
    again = (await bot.say(ADMIN, "/start")).result["text"]
    assert again.startswith("Снова здравствуйте!"), again


def menu_of(bot: Harness, user: FakeUser) -> list[str]:
    """The menu the user's private chat shows: its own scope, else the default."""
    own = bot.server.commands({"type": "chat", "chat_id": user.id})
    return [command["command"] for command in own or bot.server.commands()]


async def test_each_person_has_the_command_menu_of_their_role(bot: Harness) -> None:
    """setMyCommands per chat: the admin sees /invite, a member /my but no /invite, a parent
    only /help and /lang; the default menu is the visitors', so a parent's /start sets none."""
    await bot.say(ADMIN, "/start")
    await bot.join(SCHOOL_3, "МБОУ СОШ № 3")
    await bot.say(PARENT, "/start")
    staff = FakeUser(5001, "Наталья", username="staff_natalia")
    await bot.say(staff, f"/start {await bot.invitation(Role.STAFF)}")

    assert {"invite", "members", "overdue", "review", "my"} <= set(menu_of(bot, ADMIN))
    assert menu_of(bot, SCHOOL_3) == ["my", "upcoming", "help", "lang"]
    assert menu_of(bot, PARENT) == ["help", "lang"]
    assert bot.server.commands({"type": "chat", "chat_id": PARENT.id}) == []
    assert {"overdue", "progress", "review", "report"} <= set(menu_of(bot, staff))
    assert "invite" not in menu_of(bot, staff)
    member_scope = {"type": "chat", "chat_id": SCHOOL_3.id}
    described = {c["command"]: c["description"] for c in bot.server.commands(member_scope)}
    assert described["my"] == "Мои задания", described

    def staff_menus() -> int:
        return sum(
            1
            for call in bot.server.calls
            if call.method == "setMyCommands"
            and call.params.get("scope", {}).get("chat_id") == staff.id
        )

    before = staff_menus()
    # A restart sets the menus of staff, operators and admins again (the parent's is kept).
    await set_commands(
        bot.app.bot, bot.app.dispatcher["i18n"], bot.app.sessions, bot.settings.admin_ids
    )
    assert staff_menus() == before + 1
