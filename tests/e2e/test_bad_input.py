"""What bad input gets, end to end: forged buttons, odd numbers, HTML in names, broken files."""

import asyncio
import json
from pathlib import Path

from fake_telegram import FakeTelegramServer
from harness import ADMIN, DESK_CHAT, PARENT, PLAN_ID, PLAN_YAML, START, UNITS_YAML, Harness, bot

from bot.app import build_application
from bot.clock import FrozenClock
from bot.config import Settings
from bot.services.invitations import create_invitation
from bot.services.types import Role
from bot.services.units import add_unit

__all__ = ["bot"]  # the fixture, imported for pytest

HUGE = "99999999999999999999999"
STALE = "Эта кнопка больше не действует."  # the default locale is Russian


async def test_a_forged_button_with_a_huge_number_is_refused_politely(bot: Harness) -> None:
    listing = await bot.say(ADMIN, "/members")

    for data in (f"a1:d:{HUGE}:0", f"rv1:{HUGE}:1", f"a1:d:-{HUGE}:0", f"ms1:{HUGE}"):
        answer = await bot.press(ADMIN, listing.result, data, forged=True)
        assert answer.ok
        assert answer.params["text"] == STALE

    assert bot.server.unexpected_errors() == []


async def test_revoke_with_a_huge_number_gets_the_usage(bot: Harness) -> None:
    for argument in (HUGE, "²", "-5"):
        reply = await bot.say(ADMIN, f"/revoke {argument}")
        assert reply.ok
        assert reply.params["text"] == (
            "Использование: /revoke НОМЕР, где НОМЕР — число из списка /members."
        )


async def test_the_welcome_escapes_a_unit_name_with_html(bot: Harness) -> None:
    name = "Школа <1> & Лицей"
    async with bot.session() as session:
        unit = await add_unit(session, PLAN_ID, "ОО", name, bot.clock.now())
        token, _info = await create_invitation(
            session, Role.MEMBER, unit.id, created_by=ADMIN.id, now=bot.clock.now()
        )

    reply = await bot.say(PARENT, f"/start {token}")

    assert reply.ok, reply.description
    assert "«Школа &lt;1&gt; &amp; Лицей»" in reply.params["text"]
    assert f"«{name}»" in bot.last(PARENT)["text"]


async def test_a_near_duplicate_unit_is_refused_naming_the_existing_one(bot: Harness) -> None:
    reply = await bot.say(ADMIN, f"/units add {PLAN_ID} | ОО | мбоу  сош №3")

    assert reply.ok, reply.description
    assert "«МБОУ СОШ № 3»" in bot.last(ADMIN)["text"]
    assert "«мбоу сош №3»" in bot.last(ADMIN)["text"]


async def test_bad_files_at_start_are_reported_and_the_rest_runs(
    db_url: str, tmp_path: Path
) -> None:
    good = tmp_path / "plan.yaml"
    good.write_text(PLAN_YAML, encoding="utf-8")
    impossible = tmp_path / "impossible.yaml"
    impossible.write_text(
        PLAN_YAML.replace(f"id: {PLAN_ID}", "id: other-plan").replace(
            "date: 2023-10-06", "date: 2024-02-31"
        ),
        encoding="utf-8",
    )
    twin = tmp_path / "twin.yaml"
    twin.write_text(PLAN_YAML.replace("Раздел", "Другой раздел"), encoding="utf-8")
    units = tmp_path / "units.yaml"
    units.write_text(UNITS_YAML, encoding="utf-8")
    broken_faq = tmp_path / "broken-faq.yaml"
    broken_faq.write_text("version: 1\nentries: [unclosed\n", encoding="utf-8")
    async with FakeTelegramServer() as server:
        server.add_chat(ADMIN.private_chat())
        server.add_chat(DESK_CHAT)
        settings = Settings(
            bot_token=server.token,
            database_url=db_url,
            plan_paths=[str(good), str(impossible), str(twin)],
            units_paths=[str(units)],
            faq_paths=["data/faq/*.yaml", str(broken_faq)],
            admin_ids=frozenset({ADMIN.id}),
            telegram_api_base=server.base_url,
            hotline_chat_id=DESK_CHAT["id"],
            hotline_timezone="Asia/Vladivostok",
            _env_file=None,
        )
        app = build_application(settings, FrozenClock(START))
        report = await app.prepare()
        polling = asyncio.create_task(app.poll(report, handle_signals=False))
        try:
            await server.wait_until_polled()
            told = await server.wait_for_call("sendMessage", lambda c: c.chat_id == ADMIN.id)
            text = told.params["text"]
            assert f'{impossible}:4: malformed YAML: impossible date "2024-02-31"' in text
            assert f'{twin}: plan id "{PLAN_ID}" is already loaded from {good}' in text
            assert f"{broken_faq}: line 3: not valid YAML" in text
            assert [synced.plan_id for synced in report.synced] == [PLAN_ID]

            since = len(server.calls)
            server.send_text(PARENT, "Когда будут результаты ЕГЭ?")
            answer = await server.wait_for_call(
                "sendMessage", lambda c: c.chat_id == PARENT.id, since=since
            )
            # The hotline still works from the good FAQ file: an answer, or choices about results.
            shown = answer.params["text"] + json.dumps(
                answer.params.get("reply_markup") or {}, ensure_ascii=False
            )
            assert "результат" in shown.lower()
        finally:
            await app.dispatcher.stop_polling()
            await polling
            await app.close()
