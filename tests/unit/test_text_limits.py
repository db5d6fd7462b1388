"""Telegram's length limits as Telegram counts them: UTF-16 units after entity parsing."""

from html import escape

import pytest

from bot.delivery.text import (
    CAPTION_LIMIT,
    ELLIPSIS,
    MESSAGE_LIMIT,
    plain_text,
    shorten_text,
    split_text,
    utf16_length,
    visible_length,
)
from bot.screens.render import HEADING, clip, result_is_document, task_heading

SCHOOL = "Муниципальное бюджетное общеобразовательное учреждение «Школа № 3 & <лицей>» " * 2


def test_an_emoji_outside_the_bmp_counts_two() -> None:
    assert utf16_length("🔔") == 2
    assert utf16_length("✅") == 1  # in the BMP
    assert visible_length("<b>🔔 1.5</b>") == 6


def test_tags_do_not_count_and_escaped_entities_count_as_their_characters() -> None:
    assert visible_length('<a href="https://example.org/very/long">ab</a>') == 2
    assert visible_length("&lt;1&gt; &amp; &#8470;") == 7
    assert plain_text("<i>Школа &lt;1&gt; &amp; Лицей</i>") == "Школа <1> & Лицей"


def test_telegram_strips_the_ends_before_it_counts() -> None:
    assert visible_length("\n  текст \n") == 5


def test_a_text_within_the_limit_is_left_as_it_is() -> None:
    text = "<b>x</b>\n" * 10
    assert split_text(text) == [text]


def test_a_long_text_is_cut_at_line_boundaries_within_the_limit() -> None:
    lines = [f"{n}. <b>{escape(SCHOOL)}</b> 🔔" for n in range(60)]
    text = "\n".join(lines)
    assert visible_length(text) > MESSAGE_LIMIT

    parts = split_text(text)

    assert len(parts) > 1
    assert all(visible_length(part) <= MESSAGE_LIMIT for part in parts)
    assert "\n".join(plain_text(p) for p in parts) == plain_text(text)
    assert all(part.rstrip().endswith("🔔") for part in parts)  # whole lines only


def test_a_tag_open_at_a_cut_is_closed_and_opened_again() -> None:
    text = "<blockquote>" + "\n".join(["строка"] * 2000) + "</blockquote>"

    parts = split_text(text, 100)

    assert all(p.startswith("<blockquote>") and p.endswith("</blockquote>") for p in parts)
    assert all(visible_length(p) <= 100 for p in parts)


def test_an_entity_is_never_cut_in_half() -> None:
    text = "&amp;" * 50
    parts = split_text(text, 7)
    assert all(p.count("&") == p.count("&amp;") for p in parts)
    assert sum(visible_length(p) for p in parts) == 50


def test_a_line_longer_than_the_limit_is_cut_at_a_space() -> None:
    text = " ".join(["слово"] * 100)
    parts = split_text(text, 40)
    assert all(visible_length(p) <= 40 for p in parts)
    assert all(not p.strip().startswith("лово") for p in parts)


def test_plain_text_counts_angle_brackets_as_characters() -> None:
    text = "<b>" * 2000
    assert visible_length(text, html=False) == 6000
    assert all(len(p) <= MESSAGE_LIMIT for p in split_text(text, html=False))


def test_shortened_text_ends_with_an_ellipsis_inside_its_tags() -> None:
    caption = "<b>" + "а" * 2000 + "</b>"
    short = shorten_text(caption, CAPTION_LIMIT)
    assert visible_length(short) == CAPTION_LIMIT
    assert short.endswith(ELLIPSIS + "</b>")
    assert shorten_text("кратко", CAPTION_LIMIT) == "кратко"


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="positive"):
        split_text("x", 0)


def test_a_cut_title_ends_at_a_word() -> None:
    text = "Организация и проведение серии вебинаров по актуальным вопросам организации ГИА"

    assert clip(text, 60) == "Организация и проведение серии вебинаров по актуальным…"
    assert clip(text, 200) == text
    # one long word: cut inside it rather than lose most of the room
    assert clip("Я" * 50, 20) == "Я" * 19 + "…"


def test_a_sub_item_reads_as_its_measures_lead_and_the_item() -> None:
    heading = task_heading(
        "– мест и сроков подачи заявлений для участия в итоговом сочинении (изложении)",
        "ГИА–11:",
    )
    assert heading == (
        "ГИА–11: мест и сроков подачи заявлений для участия в итоговом сочинении (изложении)"
    )

    long_lead = "Приведение нормативно-правовых актов муниципального уровня в соответствие"
    heading = task_heading("-приказ о назначении координатора по проведению ГИА-9", long_lead)
    assert heading == (
        "Приведение нормативно-правовых актов муниципального…: "
        "приказ о назначении координатора по проведению ГИА-9"
    )
    assert len(task_heading("я " * 200, long_lead)) <= HEADING


def test_a_measure_heading_drops_the_bullet_and_starts_with_a_capital() -> None:
    assert task_heading("– проведение пробного экзамена", None) == "Проведение пробного экзамена"
    assert task_heading("ГИА-9: перечень ПО", None) == "ГИА-9: перечень ПО"


@pytest.mark.parametrize(
    ("result", "document"),
    [
        ("приказы об утверждении основных положений по организации ГИА", True),
        ("справки по итогам мероприятий учредительного контроля", True),
        ("служебная записка, письмо в МОУО", True),
        ("планы работы школьных психологов", True),
        ("удостоверение о повышении квалификации", True),
        ("повышение квалификации учителей-предметников", False),
        ("своевременное информирование", False),
        ("проведение итогового сочинения (изложения)", False),
        ("Планирование работы", False),
        (None, False),
    ],
)
def test_a_result_that_is_a_document(result: str | None, document: bool) -> None:
    assert result_is_document(result) is document
