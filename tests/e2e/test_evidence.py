"""Evidence end to end: a member attaches files to an assignment, staff get them from the card."""

import logging
from typing import Any

import pytest
from fake_telegram import FakeUser
from harness import ADMIN, SCHOOL_3, SCHOOL_7, Harness, bot
from sqlalchemy import select

from bot.services.types import EvidenceKind, Role
from handlers.callbacks import EvidenceCb
from storage.models import TaskRow
from storage.models_control import EvidenceRow

__all__ = ["bot"]  # the fixture, imported for pytest

STAFF = FakeUser(5001, "Наталья", username="staff_natalia")
SCHOOL_3_NAME = "МБОУ СОШ № 3"
ATTACH = "📎 Приложить документ"
PDF = "application/pdf"
MEGABYTE = 1024 * 1024


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    markup = message.get("reply_markup") or {}
    return [
        (button["text"], button.get("callback_data", ""))
        for row in markup.get("inline_keyboard", [])
        for button in row
    ]


async def open_card(bot: Harness, user: FakeUser, code: str) -> dict[str, Any]:
    listing = await bot.say(user, "/my")
    label = next(text for text, _data in buttons(listing.result) if text.endswith(f". {code}"))
    since = len(bot.server.calls)
    await bot.press(user, listing.result, text=label)
    await bot.server.wait_for_call("editMessageText", since=since)
    return bot.last(user)


async def start_attaching(bot: Harness, user: FakeUser, card: dict[str, Any]) -> str:
    since = len(bot.server.calls)
    await bot.press(user, card, text=ATTACH)
    prompt = await bot.server.wait_for_call(
        "sendMessage", lambda call: call.chat_id == user.id, since=since
    )
    text: str = prompt.result["text"]
    return text


async def stored(bot: Harness) -> list[tuple[EvidenceKind, str, str | None]]:
    async with bot.session() as session:
        rows = await session.execute(
            select(EvidenceRow.kind, EvidenceRow.file_id, EvidenceRow.file_name).order_by(
                EvidenceRow.id
            )
        )
        return [(kind, file_id, name) for kind, file_id, name in rows]


async def test_member_attaches_files_and_staff_get_them_from_the_card(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)
    card = await open_card(bot, SCHOOL_3, "1.1")
    await bot.press(SCHOOL_3, card, text="✅ Выполнено")
    await bot.settle()
    card = bot.last(SCHOOL_3)
    assert ATTACH in [label for label, _data in buttons(card)]  # confirmed: still attachable

    prompt = await start_attaching(bot, SCHOOL_3, card)
    assert "1.1" in prompt
    assert "PDF" in prompt
    assert "20 МБ" in prompt

    saved = await bot.send_document(SCHOOL_3, "акт готовности.pdf", PDF)
    assert saved.result["text"].startswith("📎 Приложено к 1.1: акт готовности.pdf.")
    assert "Всего файлов: 1" in saved.result["text"]

    too_big = await bot.send_document(SCHOOL_3, "скан.pdf", PDF, size=25 * MEGABYTE)
    assert too_big.result["text"].startswith("Файл слишком большой: 25 МБ.")
    assert "не больше 20 МБ" in too_big.result["text"]

    exe = await bot.send_document(SCHOOL_3, "setup.exe", "application/x-msdownload")
    assert "не принимаются (setup.exe)" in exe.result["text"]
    assert (
        "PDF, DOC, DOCX, XLS, XLSX, ODT, ODS, RTF, TXT, JPG, PNG, HEIC, ZIP"
        in (exe.result["text"])
    )

    photo = await bot.send_photo(SCHOOL_3)
    assert photo.result["text"].startswith("📎 Приложено к 1.1: фото.")
    assert "Всего файлов: 2" in photo.result["text"]

    hint = await bot.say(SCHOOL_3, "вот документ")
    assert hint.result["text"].startswith("Пришлите документ файлом")
    assert (await bot.say(SCHOOL_3, "/cancel")).result["text"] == "Отменено."

    files = await stored(bot)
    assert [(kind, name) for kind, _file_id, name in files] == [
        (EvidenceKind.DOCUMENT, "акт готовности.pdf"),
        (EvidenceKind.PHOTO, None),
    ]
    # The largest of the photo's sizes is kept.
    user_photo = next(m for m in bot.server.history(SCHOOL_3.id) if "photo" in m)
    assert files[1][1] == user_photo["photo"][-1]["file_id"]

    token = await bot.invitation(Role.STAFF)
    await bot.say(STAFF, f"/start {token}")
    measure = await bot.say(STAFF, "/measure 1.1")
    assert f"✅ {SCHOOL_3_NAME} 📎 2 — " in measure.result["text"]
    assert [label for label, _data in buttons(measure.result)] == ["📎 Документы (2)"]

    since = len(bot.server.calls)
    await bot.press(STAFF, measure.result, text="📎 Документы (2)")
    sent_photo = await bot.server.wait_for_call("sendPhoto", since=since)
    sent_document = bot.server.calls_to("sendDocument", STAFF.id)[-1]
    assert sent_document.ok and sent_photo.ok
    assert sent_document.params["document"] == files[0][1]
    assert sent_photo.params["photo"] == files[1][1]
    caption = sent_document.result["caption"]
    assert caption.startswith(f"📎 1.1 · {SCHOOL_3_NAME}\nИрина, 10 октября 2023")
    assert "09:00" in caption  # the plan's time zone, Vladivostok
    assert caption.endswith("акт готовности.pdf")
    assert bot.server.unexpected_errors() == []


async def test_done_ends_attaching(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)
    await start_attaching(bot, SCHOOL_3, await open_card(bot, SCHOOL_3, "1.1"))
    saved = await bot.send_document(SCHOOL_3, "протокол.pdf", PDF)
    assert "нажмите «Готово»" in saved.result["text"]
    assert [label for label, _data in buttons(saved.result)] == ["Готово"]

    since = len(bot.server.calls)
    await bot.press(SCHOOL_3, saved.result, text="Готово")
    await bot.server.wait_for_call("editMessageReplyMarkup", since=since)
    after = await bot.say(SCHOOL_3, "ещё текст")  # no longer waiting for files
    assert not after.result["text"].startswith("Пришлите документ файлом")
    assert len(await stored(bot)) == 1


async def test_an_assignment_without_files_has_no_documents_button(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)

    measure = await bot.say(ADMIN, "/measure 1.1")

    assert buttons(measure.result) == []


async def test_another_units_member_cannot_attach(bot: Harness) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)
    await bot.join(SCHOOL_7, "МБОУ СОШ № 7")
    card = await open_card(bot, SCHOOL_3, "1.1")
    attach_data = dict(buttons(card))[ATTACH]
    own = await bot.say(SCHOOL_7, "/my")

    refused = await bot.press(SCHOOL_7, own.result, attach_data, forged=True)

    assert refused.params["text"] == "Это задание другой организации, отметить его вы не можете."
    document = await bot.send_document(SCHOOL_7, "акт.pdf", PDF)
    assert "Приложено" not in document.result["text"]
    assert await stored(bot) == []


async def test_a_member_forging_the_documents_button_is_refused_and_logged(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.join(SCHOOL_3, SCHOOL_3_NAME)
    card = await open_card(bot, SCHOOL_3, "1.1")
    await start_attaching(bot, SCHOOL_3, card)
    await bot.send_document(SCHOOL_3, "акт.pdf", PDF)
    async with bot.session() as session:
        task_id = await session.scalar(select(TaskRow.id).where(TaskRow.code == "1.1"))
    assert task_id is not None
    forged = EvidenceCb(task=task_id).pack()

    with caplog.at_level(logging.WARNING):
        refused = await bot.press(SCHOOL_3, bot.last(SCHOOL_3), forged, forged=True)

    assert refused.params["text"] == "Документы доступны только сотрудникам министерства."
    assert any(
        "refused evidence" in r.message and str(SCHOOL_3.id) in r.message for r in caplog.records
    )
    await bot.settle()
    assert bot.server.calls_to("sendDocument") == []
