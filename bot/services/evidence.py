"""Documents and photos attached to confirmations: Telegram keeps the files, we keep their ids."""

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import PurePath
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services._common import with_assignment_context
from bot.services.assignments import view_for_member
from bot.services.errors import Conflict, InvalidInput, NotFound
from bot.services.types import EventKind, EvidenceKind
from storage.models import (
    AssignmentEventRow,
    AssignmentRow,
    PlanRow,
    TaskRow,
    UnitRow,
    UserRow,
    WindowRow,
)
from storage.models_control import EvidenceRow

MAX_FILE_SIZE = 20 * 1024 * 1024
"""Bots cannot download bigger files (getFile): https://core.telegram.org/bots/api#getfile"""
MAX_FILES_PER_ASSIGNMENT = 10
GENERIC_MIME_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})
"""What clients send when they do not know: the file name decides then."""


@dataclass(frozen=True, slots=True)
class FileType:
    label: str
    extensions: frozenset[str]
    mime_types: frozenset[str]


def _type(label: str, extensions: str, *mime_types: str) -> FileType:
    return FileType(label, frozenset(extensions.split()), frozenset(mime_types))


ALLOWED_TYPES: tuple[FileType, ...] = (
    _type("PDF", ".pdf", "application/pdf", "application/x-pdf"),
    _type("DOC", ".doc", "application/msword"),
    _type(
        "DOCX",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    _type("XLS", ".xls", "application/vnd.ms-excel"),
    _type("XLSX", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    _type("ODT", ".odt", "application/vnd.oasis.opendocument.text"),
    _type("ODS", ".ods", "application/vnd.oasis.opendocument.spreadsheet"),
    _type("RTF", ".rtf", "application/rtf", "text/rtf"),
    _type("TXT", ".txt", "text/plain"),
    _type("JPG", ".jpg .jpeg", "image/jpeg", "image/pjpeg"),
    _type("PNG", ".png", "image/png"),
    _type("HEIC", ".heic .heif", "image/heic", "image/heif"),
    _type("ZIP", ".zip", "application/zip", "application/x-zip-compressed"),
)


@dataclass(frozen=True, slots=True)
class EvidenceLimits:
    max_size: int = MAX_FILE_SIZE
    max_files: int = MAX_FILES_PER_ASSIGNMENT
    types: tuple[FileType, ...] = field(default=ALLOWED_TYPES)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(file_type.label for file_type in self.types)

    def accepts(self, file_name: str | None, mime_type: str | None) -> bool:
        """Both the extension and the MIME type, where given, must name an allowed type."""
        extension = PurePath(file_name).suffix.lower() if file_name else ""
        mime = (mime_type or "").split(";")[0].strip().lower()
        if mime in GENERIC_MIME_TYPES:
            mime = ""
        if not extension and not mime:
            return False
        by_extension = not extension or any(extension in t.extensions for t in self.types)
        by_mime = not mime or any(mime in t.mime_types for t in self.types)
        return by_extension and by_mime


class EvidenceFailure(StrEnum):
    TOO_BIG = "too_big"
    WRONG_TYPE = "wrong_type"
    TOO_MANY = "too_many"


class EvidenceRefused(InvalidInput):
    """The file breaks a limit; the attributes say which, for a clear answer."""

    def __init__(self, reason: EvidenceFailure, limits: EvidenceLimits, file: "IncomingFile"):
        super().__init__(f"evidence refused ({reason}): {file.file_name!r}, {file.size} bytes")
        self.reason = reason
        self.limits = limits
        self.file = file


@dataclass(frozen=True, slots=True)
class IncomingFile:
    """A file as the member's message carries it."""

    kind: EvidenceKind
    file_id: str
    file_unique_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class EvidenceInfo:
    id: int
    assignment_id: int
    kind: EvidenceKind
    file_id: str
    file_unique_id: str
    file_name: str | None
    mime_type: str | None
    size: int | None
    user_id: int
    author: str
    at: datetime
    task_code: str
    unit_id: int
    unit_name: str
    plan_timezone: str


@dataclass(frozen=True, slots=True)
class AttachOutcome:
    evidence: EvidenceInfo
    count: int
    """Files attached to the assignment now."""
    added: bool
    """False when the same file was attached before: nothing was written."""


def _infos() -> Select[Any]:
    query = (
        select(
            EvidenceRow.id,
            EvidenceRow.assignment_id,
            EvidenceRow.kind,
            EvidenceRow.file_id,
            EvidenceRow.file_unique_id,
            EvidenceRow.file_name,
            EvidenceRow.mime_type,
            EvidenceRow.size,
            EvidenceRow.user_id,
            UserRow.full_name,
            EvidenceRow.at,
            TaskRow.code,
            UnitRow.id,
            UnitRow.name,
            PlanRow.timezone,
        )
        .select_from(EvidenceRow)
        .join(UserRow, UserRow.id == EvidenceRow.user_id)
        .join(AssignmentRow, AssignmentRow.id == EvidenceRow.assignment_id)
    )
    return with_assignment_context(query, plan=True).order_by(EvidenceRow.at, EvidenceRow.id)


async def _count(session: AsyncSession, assignment_id: int) -> int:
    found = await session.scalar(
        select(func.count()).where(EvidenceRow.assignment_id == assignment_id)
    )
    return found or 0


async def attach(
    session: AsyncSession,
    assignment_id: int,
    user_id: int,
    file: IncomingFile,
    now: datetime,
    *,
    limits: EvidenceLimits | None = None,
) -> AttachOutcome:
    """Attach the file to the assignment of the user's unit; attaching does not confirm."""
    limits = limits or EvidenceLimits()
    view = await view_for_member(session, assignment_id, user_id)
    if not view.active:
        raise Conflict(f"assignment {assignment_id} is no longer part of the plan")
    if file.size is not None and file.size > limits.max_size:
        raise EvidenceRefused(EvidenceFailure.TOO_BIG, limits, file)
    accepted = file.kind is EvidenceKind.PHOTO or limits.accepts(file.file_name, file.mime_type)
    if not accepted:
        raise EvidenceRefused(EvidenceFailure.WRONG_TYPE, limits, file)
    same = await session.scalar(
        select(EvidenceRow.id).where(
            EvidenceRow.assignment_id == assignment_id,
            EvidenceRow.file_unique_id == file.file_unique_id,
        )
    )
    if same is not None:
        return AttachOutcome(
            await get_evidence(session, same), await _count(session, assignment_id), False
        )
    if await _count(session, assignment_id) >= limits.max_files:
        raise EvidenceRefused(EvidenceFailure.TOO_MANY, limits, file)
    row = EvidenceRow(
        assignment_id=assignment_id,
        kind=file.kind,
        file_id=file.file_id,
        file_unique_id=file.file_unique_id,
        file_name=file.file_name,
        mime_type=file.mime_type,
        size=file.size,
        user_id=user_id,
        at=now,
    )
    session.add(row)
    session.add(
        AssignmentEventRow(
            assignment_id=assignment_id,
            kind=EventKind.EVIDENCE,
            user_id=user_id,
            at=now,
            text=file.file_name or str(file.kind),
        )
    )
    await session.flush()
    evidence_id = row.id
    await session.commit()
    return AttachOutcome(
        await get_evidence(session, evidence_id), await _count(session, assignment_id), True
    )


async def list_evidence(session: AsyncSession, assignment_id: int) -> tuple[EvidenceInfo, ...]:
    rows = await session.execute(_infos().where(EvidenceRow.assignment_id == assignment_id))
    return tuple(EvidenceInfo(*row) for row in rows)


async def get_evidence(session: AsyncSession, evidence_id: int) -> EvidenceInfo:
    """One file by its id; callers check that the user may see it (staff only)."""
    row = (await session.execute(_infos().where(EvidenceRow.id == evidence_id))).one_or_none()
    if row is None:
        raise NotFound(f"no evidence {evidence_id}")
    return EvidenceInfo(*row)


async def _task_and_items(session: AsyncSession, task_id: int) -> list[int]:
    """A task and, for a measure, its sub-items: what a measure card shows."""
    task = await session.get(TaskRow, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}")
    items = await session.scalars(
        select(TaskRow.id).where(
            TaskRow.plan_id == task.plan_id, TaskRow.measure_code == task.code
        )
    )
    return [task_id, *items]


async def evidence_for_task(session: AsyncSession, task_id: int) -> tuple[EvidenceInfo, ...]:
    """Every file attached for the task (a measure: for its sub-items too), oldest first."""
    rows = await session.execute(
        _infos().where(
            WindowRow.task_id.in_(await _task_and_items(session, task_id)),
            AssignmentRow.active,
            WindowRow.active,
            TaskRow.active,
        )
    )
    return tuple(EvidenceInfo(*row) for row in rows)


async def evidence_counts(
    session: AsyncSession, assignment_ids: Collection[int]
) -> dict[int, int]:
    """Files per assignment; assignments without any are left out."""
    if not assignment_ids:
        return {}
    rows = await session.execute(
        select(EvidenceRow.assignment_id, func.count())
        .where(EvidenceRow.assignment_id.in_(list(assignment_ids)))
        .group_by(EvidenceRow.assignment_id)
    )
    return dict(rows.tuples().all())
