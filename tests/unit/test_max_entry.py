"""MaxEntry: MAX updates through the fake MAX server, the real inbound parser and a real database.

Each test feeds updates the way a person makes them (``bot_started`` from a deep link, a
message, a press on a button the bot sent) and asserts on what MAX shows them and on the
database. The hotline's FAQ is a stand-in with fixed decisions: matching has tests of its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from services_support import ADMIN_ID, NOW, PLAN_ID, assignment_id, load
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FrozenClock
from bot.fakemax import FakeMaxServer
from bot.fakemax.server import SentMessage
from bot.faq.lexicon import Exam
from bot.hotline.faq import Consultation, Decision, FaqAnswer
from bot.i18n import create_i18n
from bot.screens import actions
from bot.services.accounts import create_binding, messenger_status, resolve_user
from bot.services.assignments import view_for_member
from bot.services.invitations import create_invitation
from bot.services.members import ensure_user
from bot.services.plans import sync_plan
from bot.services.types import AssignmentStatus, Role
from bot.services.units import add_unit
from bot.transport.max.client import MaxClient
from bot.transport.max.entry import MaxEntry
from bot.transport.max.inbound import MaxInbound
from bot.transport.max.transport import NAME, MaxTransport
from bot.transport.port import Address, AddressKind, Button, Message
from storage.engine import session_factory

ANYA, BORIS = 42, 43
TG_VERA = 5_001
SCHOOL = 'Школа "<№3>" & сад'
DONE = actions.AssignmentAction.DONE
INVALID = [{"notification": "Эта кнопка больше не действует."}]

APPEAL = FaqAnswer("appeal", "Как подать апелляцию?", "В течение двух рабочих дней.", "Порядок")
SCORES_9 = FaqAnswer("scores-9", "Когда результаты ОГЭ?", "Через 10 дней.", "Порядок ГИА-9")
SCORES_11 = FaqAnswer("scores-11", "Когда результаты ЕГЭ?", "Через 14 дней.", "Порядок ГИА-11")


class StubFaq:
    """Fixed decisions by the question's first word."""

    def consult(self, text: str, exam: Exam | None = None) -> Consultation:
        word = text.split(maxsplit=1)[0].lower()
        if word == "апелляция":
            return Consultation(Decision.ANSWER, APPEAL, (APPEAL,), 0.9, complaint=False)
        if word == "результаты":
            pair = (SCORES_9, SCORES_11)
            if exam is not None:
                best = pair[0] if exam is Exam.GIA9 else pair[1]
                return Consultation(Decision.ANSWER, best, (best,), 0.9, complaint=False)
            return Consultation(
                Decision.ASK_EXAM, None, pair, 0.8, complaint=False, exam_pair=pair
            )
        if word == "сроки":
            return Consultation(Decision.CLARIFY, None, (APPEAL, SCORES_9), 0.5, complaint=False)
        return Consultation(Decision.OPERATOR, None, (), 0.1, complaint=False)

    def add_approved(self, draft_id: int, question: str, answer: str) -> None:
        # Part of the FAQ's interface; drafts are approved on Telegram only, never from MAX.
        raise AssertionError("MAX entry must not approve FAQ drafts")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """SQLite only: MaxEntry adds no SQL of its own; the services' tests cover PostgreSQL."""
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"


@dataclass
class MaxWorld:
    server: FakeMaxServer
    transport: MaxTransport
    client: MaxClient
    inbound: MaxInbound
    engine: AsyncEngine
    clock: FrozenClock
    unit_id: int

    async def updates(self) -> None:
        """Hand every pending update to MaxEntry (one long poll, no waiting)."""
        await self.inbound.poll_once(self.client, wait=0)

    async def say(self, user_id: int, text: str) -> list[SentMessage]:
        """The user writes; the bot's replies."""
        before = len(self.server.sent_to(user_id))
        self.server.user_message(user_id, text)
        await self.updates()
        return self.server.sent_to(user_id)[before:]

    async def start(self, user_id: int, payload: str | None) -> str:
        before = len(self.server.sent_to(user_id))
        self.server.bot_started(user_id, payload)
        await self.updates()
        [reply] = self.server.sent_to(user_id)[before:]
        return reply.text or ""

    async def invitation(self, role: Role = Role.MEMBER, ttl: timedelta | None = None) -> str:
        async with session_factory(self.engine)() as session:
            token, _info = await create_invitation(
                session,
                role,
                self.unit_id if role is Role.MEMBER else None,
                created_by=ADMIN_ID,
                now=self.clock.now(),
                **({"ttl": ttl} if ttl is not None else {}),
            )
        return token

    async def vera_binding(self) -> str:
        """Vera, known on Telegram, asks to link a MAX account: the binding link's token."""
        async with session_factory(self.engine)() as session:
            await ensure_user(
                session, TG_VERA, chat_id=TG_VERA, full_name="Вера", username=None,
                language="ru", now=NOW,
            )  # fmt: skip
            await session.commit()
            return await create_binding(session, TG_VERA, now=NOW, ttl=timedelta(hours=1))

    async def card(self, user_id: int, payload: str) -> str:
        """A message with one button carrying ``payload``, as the bot would send it; its mid."""
        ref = await self.transport.send(
            Address(NAME, AddressKind.USER, user_id),
            Message("card", ((Button("✅", action=payload),),)),
        )
        return str(ref.id)

    async def press(self, user_id: int, mid: str, payload: str) -> list[dict[str, object]]:
        callback_id = self.server.press(user_id, mid, payload)
        await self.updates()
        return self.server.answers(callback_id)

    async def status(self, assignment: int, user_id: int) -> AssignmentStatus:
        async with session_factory(self.engine)() as session:
            return (await view_for_member(session, assignment, user_id)).status

    async def user_of(self, max_id: int) -> int | None:
        async with session_factory(self.engine)() as session:
            return await resolve_user(session, "max", str(max_id))


@pytest.fixture
async def world(engine: AsyncEngine) -> AsyncIterator[MaxWorld]:
    async with session_factory(engine)() as session:
        await sync_plan(session, load(), NOW)
        unit = await add_unit(session, PLAN_ID, "ОО", SCHOOL, NOW)
        await session.commit()
    clock = FrozenClock(NOW)
    i18n = create_i18n("ru")
    async with FakeMaxServer() as server, aiohttp.ClientSession() as http:
        client = MaxClient(server.token, http, base_url=server.base_url, timeout=5)
        transport = MaxTransport(client)
        entry = MaxEntry(
            session_factory(engine), transport, clock, i18n, "ru", page_size=1, faq=StubFaq()
        )
        yield MaxWorld(server, transport, client, MaxInbound(entry), engine, clock, unit.id)


async def test_start_without_a_payload_greets_and_points_to_invitations(world: MaxWorld) -> None:
    text = await world.start(ANYA, None)
    assert text.startswith("Здравствуйте!")
    assert "ссылк" in text and "/help" in text
    assert await world.user_of(ANYA) is None  # greeting someone stores nobody


async def test_a_valid_invitation_makes_a_member_and_names_the_unit_escaped(
    world: MaxWorld,
) -> None:
    text = await world.start(ANYA, await world.invitation())
    assert "Школа &quot;&lt;№3&gt;&quot; &amp; сад" in text
    assert PLAN_ID in text
    [sent] = world.server.sent_to(ANYA)
    assert sent.format == "html"
    user_id = await world.user_of(ANYA)
    assert user_id is not None
    code_1_2 = await _assignment(world)
    assert await world.status(code_1_2, user_id) is AssignmentStatus.OPEN


async def test_a_staff_invitation_names_the_role(world: MaxWorld) -> None:
    text = await world.start(ANYA, await world.invitation(Role.STAFF))
    assert "сотрудник министерства" in text


async def test_a_used_invitation_is_refused_politely(world: MaxWorld) -> None:
    token = await world.invitation()
    await world.start(ANYA, token)
    text = await world.start(BORIS, token)
    assert "уже использована" in text
    assert await world.user_of(BORIS) is not None  # known as a visitor, a member of nothing


async def test_an_expired_invitation_is_refused_politely(world: MaxWorld) -> None:
    token = await world.invitation(ttl=timedelta(hours=1))
    world.clock.advance(timedelta(hours=2))
    assert "истёк" in await world.start(ANYA, token)


async def test_a_forged_invitation_is_refused_politely(world: MaxWorld) -> None:
    assert "недействительна" in await world.start(ANYA, "forged-token-0123456789abcdef")


async def test_a_binding_link_binds_this_max_account_to_the_telegram_person(
    world: MaxWorld,
) -> None:
    token = await world.vera_binding()
    text = await world.start(ANYA, token)
    assert "привязан" in text
    assert await world.user_of(ANYA) == TG_VERA
    assert "уже использована" in await world.start(BORIS, token)
    assert await world.user_of(BORIS) is None


async def test_done_by_the_member_marks_it_and_answers_the_press(world: MaxWorld) -> None:
    await world.start(ANYA, await world.invitation())
    user_id = await world.user_of(ANYA)
    assert user_id is not None
    assignment = await _assignment(world)
    payload = actions.assignment(DONE, assignment)
    mid = await world.card(ANYA, payload)
    assert await world.press(ANYA, mid, payload) == [{"notification": "Отмечено как выполненное."}]
    assert await world.status(assignment, user_id) is AssignmentStatus.CONFIRMED
    # The pressed message now shows the /my list, where the item can be undone for a while.
    undo = actions.assignment(actions.AssignmentAction.UNDO, assignment)
    assert undo in _payloads(world.server.messages[mid])
    assert payload not in _payloads(world.server.messages[mid])
    assert await world.press(ANYA, mid, undo) == [
        {"notification": "Отменено: задание снова открыто."}
    ]
    assert await world.status(assignment, user_id) is AssignmentStatus.OPEN
    assert payload in _payloads(world.server.messages[mid])


async def test_a_done_in_a_digest_is_answered_and_the_digest_left_as_sent(
    world: MaxWorld,
) -> None:
    await world.start(ANYA, await world.invitation())
    assignment = await _assignment(world)
    payload = actions.assignment(DONE, assignment, actions.DIGEST_PAGE)
    mid = await world.card(ANYA, payload)
    assert await world.press(ANYA, mid, payload) == [{"notification": "Отмечено как выполненное."}]
    again = await world.press(ANYA, mid, payload)
    assert again == [{"notification": "Уже отмечено как выполненное."}]
    assert world.server.messages[mid].text == "card"


async def test_a_press_by_someone_else_is_no_longer_valid_and_changes_nothing(
    world: MaxWorld,
) -> None:
    await world.start(ANYA, await world.invitation())
    await world.start(BORIS, None)
    member = await world.user_of(ANYA)
    assert member is not None
    assignment = await _assignment(world)
    payload = actions.assignment(DONE, assignment)
    mid = await world.card(ANYA, payload)
    # Boris is unknown to the bot; then known, as a visitor of no unit.
    assert await world.press(BORIS, mid, payload) == INVALID
    await world.start(BORIS, await world.invitation(Role.STAFF))
    assert await world.press(BORIS, mid, payload) == INVALID
    assert await world.status(assignment, member) is AssignmentStatus.OPEN


@pytest.mark.parametrize(
    "payload",
    [
        actions.assignment(DONE, 999_999),  # no such assignment
        "a1:d:not-a-number:0",
        "a1:zz:1:0",  # no such action
        "something else entirely",
    ],
)
async def test_a_forged_payload_is_no_longer_valid_and_changes_nothing(
    world: MaxWorld, payload: str
) -> None:
    await world.start(ANYA, await world.invitation())
    member = await world.user_of(ANYA)
    assert member is not None
    assignment = await _assignment(world)
    mid = await world.card(ANYA, payload)
    assert await world.press(ANYA, mid, payload) == INVALID
    assert await world.status(assignment, member) is AssignmentStatus.OPEN


async def test_my_lists_the_members_assignments_with_done_buttons_and_pages(
    world: MaxWorld,
) -> None:
    await world.start(ANYA, await world.invitation())
    [listing] = await world.say(ANYA, "/my")
    text = listing.text or ""
    assert text.startswith("Ваши задания")
    assert "1.2" in text and "Школа &quot;&lt;№3&gt;&quot; &amp; сад" in text
    assignment = await _assignment(world)
    assert actions.assignment(DONE, assignment) in _payloads(listing)
    turn = actions.my_page(1)
    assert turn in _payloads(listing)  # two assignments, one a page
    assert await world.press(ANYA, listing.mid, turn) == [{"notification": "✓"}]
    assert actions.my_page(0) in _payloads(world.server.messages[listing.mid])


async def test_my_for_someone_who_reports_for_nothing(world: MaxWorld) -> None:
    [reply] = await world.say(BORIS, "/my")
    assert "не закреплены" in (reply.text or "")
    await world.start(BORIS, await world.invitation(Role.STAFF))
    [reply] = await world.say(BORIS, "/my")
    assert "не закреплены" in (reply.text or "")


async def test_help_and_a_command_not_served_on_max(world: MaxWorld) -> None:
    [help_text] = await world.say(ANYA, "/help")
    assert "/my" in (help_text.text or "") and "MAX" in (help_text.text or "")
    [other] = await world.say(ANYA, "/overdue")
    assert "/help" in (other.text or "")


async def test_a_question_the_faq_answers(world: MaxWorld) -> None:
    [answer] = await world.say(ANYA, "апелляция когда подавать")
    assert "Как подать апелляцию?" in (answer.text or "")
    assert "В течение двух рабочих дней." in (answer.text or "")


async def test_a_question_for_one_exam_asks_which_and_answers_it(world: MaxWorld) -> None:
    [ask] = await world.say(ANYA, "результаты когда будут")
    [[oge, ege]] = _rows(ask)
    assert (oge, ege) == (actions.hotline_exam(1, "9"), actions.hotline_exam(1, "11"))
    assert await world.press(ANYA, ask.mid, ege) == [{"notification": "✓"}]
    assert "Через 14 дней." in (world.server.messages[ask.mid].text or "")


async def test_a_vague_question_offers_choices_then_the_chosen_answer(world: MaxWorld) -> None:
    [choices] = await world.say(ANYA, "сроки какие")
    first, _second, none = _payloads(choices)
    assert await world.press(ANYA, choices.mid, first) == [{"notification": "✓"}]
    assert "В течение двух рабочих дней." in (world.server.messages[choices.mid].text or "")
    [again] = await world.say(ANYA, "сроки какие")
    none = _payloads(again)[-1]
    await world.press(ANYA, again.mid, none)
    assert "Telegram" in (world.server.messages[again.mid].text or "")


async def test_a_question_the_faq_cannot_answer_says_where_to_ask(world: MaxWorld) -> None:
    [reply] = await world.say(ANYA, "непонятное")
    assert "Telegram" in (reply.text or "")


async def test_a_choice_pressed_by_someone_else_is_no_longer_valid(world: MaxWorld) -> None:
    [choices] = await world.say(ANYA, "сроки какие")
    await world.say(BORIS, "апелляция")  # Boris is known now
    first = _payloads(choices)[0]
    assert await world.press(BORIS, choices.mid, first) == INVALID
    assert world.server.messages[choices.mid].text == choices.text


def _rows(message: SentMessage) -> list[list[str]]:
    return [
        [button["payload"] for button in row if button["type"] == "callback"]
        for attachment in message.attachments
        for row in attachment["payload"]["buttons"]
    ]


def _labels(message: SentMessage) -> list[str]:
    return [
        str(button["text"])
        for attachment in message.attachments
        for row in attachment["payload"]["buttons"]
        for button in row
    ]


def _payloads(message: SentMessage) -> list[str]:
    return [payload for row in _rows(message) for payload in row]


async def _assignment(world: MaxWorld) -> int:
    async with session_factory(world.engine)() as session:
        return await assignment_id(session, "1.2", SCHOOL)


async def test_upcoming_for_someone_who_reports_for_nothing_says_how_to_join(
    world: MaxWorld,
) -> None:
    [reply] = await world.say(BORIS, "/upcoming")
    assert "не закреплены" in (reply.text or "")


async def test_upcoming_with_a_bad_span_gets_the_usage(world: MaxWorld) -> None:
    await world.start(ANYA, await world.invitation())
    for argument in ("0", "93", "две", "²"):
        [reply] = await world.say(ANYA, f"/upcoming {argument}")
        assert (reply.text or "").startswith("Использование: /upcoming"), argument


async def _reminded_in(world: MaxWorld, max_id: int) -> str | None:
    async with session_factory(world.engine)() as session:
        user_id = await resolve_user(session, "max", str(max_id))
        assert user_id is not None
        return (await messenger_status(session, user_id, ("telegram", "max"))).reminded_in


async def test_settings_on_both_messengers_moves_reminders_with_a_tap(world: MaxWorld) -> None:
    token = await world.vera_binding()
    await world.start(ANYA, token)  # Vera's MAX account, linked to her Telegram profile
    [screen] = await world.say(ANYA, "/settings")
    to_max, to_telegram = (
        actions.messenger(actions.MessengerAction.MAX),
        actions.messenger(actions.MessengerAction.TELEGRAM),
    )
    assert (screen.text or "").startswith("MAX: подключён")
    assert _payloads(screen) == [to_telegram, to_max]  # no «Link MAX» inside MAX
    assert await _reminded_in(world, ANYA) == "telegram"  # Telegram first until chosen
    assert await world.press(ANYA, screen.mid, to_max) == [{"notification": "✓"}]
    assert await _reminded_in(world, ANYA) == "max"
    shown = world.server.messages[screen.mid]
    assert "Напоминания приходят в MAX." in (shown.text or "")
    assert _rows(shown) == [[to_telegram], [to_max]]
    assert _labels(shown)[1].startswith("✓ ")
    await world.press(ANYA, screen.mid, to_telegram)
    assert await _reminded_in(world, ANYA) == "telegram"


async def test_settings_on_max_alone_has_nothing_to_choose_and_refuses_a_forged_choice(
    world: MaxWorld,
) -> None:
    [reply] = await world.say(BORIS, "/settings")
    assert "не закреплены" in (reply.text or "")  # unknown to the bot
    await world.start(ANYA, await world.invitation())
    [screen] = await world.say(ANYA, "/settings")
    assert "MAX: подключён" in (screen.text or "")
    assert "Напоминания приходят в MAX." in (screen.text or "")
    assert _payloads(screen) == []
    for forged in ("ms1:t", "ms1:l", "ms1:x", "ms1:m:1"):
        mid = await world.card(ANYA, forged)
        assert await world.press(ANYA, mid, forged) == INVALID, forged
    assert await _reminded_in(world, ANYA) == "max"
