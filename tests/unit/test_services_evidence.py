"""Evidence: limits checked with a reason, only the unit's members attach, counts for the card."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from services_support import NOW, PLAN_ID, SCHOOL_3, SCHOOL_5, assignment_id, join, load
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.assignments import confirm, list_events
from bot.services.control import measure_card
from bot.services.errors import Forbidden, InvalidInput
from bot.services.evidence import (
    MAX_FILE_SIZE,
    EvidenceFailure,
    EvidenceLimits,
    EvidenceRefused,
    IncomingFile,
    attach,
    evidence_counts,
    evidence_for_task,
    get_evidence,
    list_evidence,
)
from bot.services.plans import sync_plan
from bot.services.types import AssignmentStatus, EventKind, EvidenceKind
from bot.services.units import add_unit
from storage.models_control import EvidenceRow

MEMBER_3, MEMBER_5 = 901, 905
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class World:
    school_3: int
    school_5: int
    assignment_3: int
    assignment_5: int


@pytest.fixture
async def world(session: AsyncSession) -> World:
    await sync_plan(session, load(), NOW)
    school_3 = await add_unit(session, PLAN_ID, "ОО", SCHOOL_3, NOW)
    school_5 = await add_unit(session, PLAN_ID, "ОО", SCHOOL_5, NOW)
    await join(session, school_3.id, MEMBER_3)
    await join(session, school_5.id, MEMBER_5)
    return World(
        school_3.id,
        school_5.id,
        await assignment_id(session, "1.2", SCHOOL_3),
        await assignment_id(session, "1.2", SCHOOL_5),
    )


def document(
    name: str | None = "акт готовности.pdf",
    mime: str | None = PDF,
    size: int | None = 150_000,
    unique: str = "u-act",
) -> IncomingFile:
    return IncomingFile(EvidenceKind.DOCUMENT, f"id-{unique}", unique, name, mime, size)


async def evidence_rows(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(EvidenceRow)) or 0


async def test_member_attaches_a_document_without_confirming(
    session: AsyncSession, world: World
) -> None:
    outcome = await attach(session, world.assignment_3, MEMBER_3, document(), NOW)

    assert (outcome.added, outcome.count) == (True, 1)
    item = outcome.evidence
    assert (item.file_id, item.file_unique_id, item.file_name) == (
        "id-u-act",
        "u-act",
        "акт готовности.pdf",
    )
    assert (item.kind, item.mime_type, item.size, item.user_id) == (
        EvidenceKind.DOCUMENT,
        PDF,
        150_000,
        MEMBER_3,
    )
    assert (item.task_code, item.unit_name, item.plan_timezone) == (
        "1.2",
        SCHOOL_3,
        "Asia/Barnaul",
    )
    assert await list_evidence(session, world.assignment_3) == (item,)
    assert await get_evidence(session, item.id) == item
    events = await list_events(session, world.assignment_3)
    assert [(e.kind, e.text, e.user_id) for e in events] == [
        (EventKind.EVIDENCE, "акт готовности.pdf", MEMBER_3)
    ]
    view = await confirm(session, world.assignment_3, MEMBER_3, NOW)
    assert view.changed and view.view.status is AssignmentStatus.CONFIRMED


async def test_same_file_twice_is_stored_once(session: AsyncSession, world: World) -> None:
    await attach(session, world.assignment_3, MEMBER_3, document(), NOW)

    again = await attach(session, world.assignment_3, MEMBER_3, document(), NOW)

    assert (again.added, again.count) == (False, 1)
    assert await evidence_rows(session) == 1


async def test_another_units_member_is_forbidden(session: AsyncSession, world: World) -> None:
    with pytest.raises(Forbidden):
        await attach(session, world.assignment_5, MEMBER_3, document(), NOW)

    assert await evidence_rows(session) == 0


async def test_too_big_file_is_refused_with_the_limit(session: AsyncSession, world: World) -> None:
    big = document(size=MAX_FILE_SIZE + 1)

    with pytest.raises(EvidenceRefused) as refused:
        await attach(session, world.assignment_3, MEMBER_3, big, NOW)

    assert isinstance(refused.value, InvalidInput)
    assert refused.value.reason is EvidenceFailure.TOO_BIG
    assert refused.value.limits.max_size == 20 * 1024 * 1024
    assert refused.value.file.size == MAX_FILE_SIZE + 1
    fits = await attach(session, world.assignment_3, MEMBER_3, document(size=MAX_FILE_SIZE), NOW)
    assert fits.added


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("setup.exe", "application/x-msdownload"),
        ("setup.exe", PDF),  # the name gives it away
        ("протокол.pdf", "application/x-msdownload"),  # and here the type
        ("script.js", None),
        (None, "video/mp4"),
        (None, None),
        ("README", "application/octet-stream"),
    ],
)
async def test_wrong_types_are_refused(
    session: AsyncSession, world: World, name: str | None, mime: str | None
) -> None:
    with pytest.raises(EvidenceRefused) as refused:
        await attach(session, world.assignment_3, MEMBER_3, document(name, mime), NOW)

    assert refused.value.reason is EvidenceFailure.WRONG_TYPE
    assert "PDF" in refused.value.limits.labels
    assert await evidence_rows(session) == 0


@pytest.mark.parametrize(
    ("name", "mime"),
    [
        ("приказ.DOCX", DOCX),
        ("протокол.doc", "application/octet-stream"),  # the extension decides
        ("таблица.xlsx", None),
        ("отчёт.ods", "application/vnd.oasis.opendocument.spreadsheet"),
        ("скан.jpeg", "image/jpeg"),
        ("IMG_0001.HEIC", "image/heic"),
        ("архив.zip", "application/zip"),
        ("пояснения.txt", "text/plain; charset=utf-8"),
        (None, PDF),  # no name: the MIME type decides
    ],
)
async def test_allowed_types_are_accepted(
    session: AsyncSession, world: World, name: str | None, mime: str | None
) -> None:
    outcome = await attach(session, world.assignment_3, MEMBER_3, document(name, mime), NOW)

    assert outcome.added


async def test_a_photo_is_accepted_without_name_or_type(
    session: AsyncSession, world: World
) -> None:
    photo = IncomingFile(EvidenceKind.PHOTO, "photo-id", "photo-unique", size=300_000)

    outcome = await attach(session, world.assignment_3, MEMBER_3, photo, NOW)

    assert outcome.evidence.kind is EvidenceKind.PHOTO
    assert (await list_events(session, world.assignment_3))[0].text == "photo"


async def test_files_per_assignment_are_limited(session: AsyncSession, world: World) -> None:
    limits = EvidenceLimits(max_files=2)
    for n in range(2):
        file = document(f"акт {n}.pdf", unique=f"u{n}")
        await attach(session, world.assignment_3, MEMBER_3, file, NOW, limits=limits)

    with pytest.raises(EvidenceRefused) as refused:
        await attach(
            session, world.assignment_3, MEMBER_3, document(unique="u9"), NOW, limits=limits
        )

    assert refused.value.reason is EvidenceFailure.TOO_MANY
    assert refused.value.limits.max_files == 2
    other = await attach(session, world.assignment_5, MEMBER_5, document(), NOW, limits=limits)
    assert other.count == 1


async def test_counts_per_unit_on_the_measure_card(session: AsyncSession, world: World) -> None:
    await attach(session, world.assignment_3, MEMBER_3, document(unique="a"), NOW)
    later = NOW + timedelta(minutes=5)
    await attach(session, world.assignment_3, MEMBER_3, document("b.pdf", unique="b"), later)
    await attach(session, world.assignment_5, MEMBER_5, document(unique="c"), NOW)

    counts = await evidence_counts(session, [world.assignment_3, world.assignment_5, 10**6])
    card = await measure_card(session, PLAN_ID, "1.2", NOW)

    assert counts == {world.assignment_3: 2, world.assignment_5: 1}
    first_window = card.tasks[0].windows[0]
    files = {state.unit_name: state.evidence for state in first_window.units}
    assert files[SCHOOL_3] == 2
    assert files[SCHOOL_5] == 1
    assert card.evidence == 3
    listed = await evidence_for_task(session, card.task_id)
    assert [(item.unit_name, item.file_unique_id) for item in listed] == [
        (SCHOOL_3, "a"),
        (SCHOOL_5, "c"),
        (SCHOOL_3, "b"),
    ]
    other = await measure_card(session, PLAN_ID, "1.1", NOW)
    assert other.evidence == 0
    assert await evidence_for_task(session, other.task_id) == ()
