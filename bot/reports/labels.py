"""The words a report is written in: English by default, the user's language from `localized`."""

from dataclasses import dataclass

from aiogram.utils.i18n import gettext as _

from bot.domain.report import ControlStatus


@dataclass(frozen=True, slots=True)
class ReportLabels:
    summary: str = "Summary"
    plan: str = "Plan"
    section: str = "Section"
    title: str = "Title"
    code: str = "Code"
    measure: str = "Measure"
    term: str = "Term (as in the plan)"
    responsible: str = "Responsible (as in the plan)"
    window_start: str = "Window start"
    window_end: str = "Window end"
    unit: str = "Unit"
    status: str = "Status"
    days_overdue: str = "Days overdue"
    confirmed_at: str = "Confirmed at"
    confirmed_by: str = "Confirmed by"
    confirmed: str = "confirmed"
    due: str = "due"
    overdue: str = "overdue"
    upcoming: str = "not yet due"
    undated: str = "no date yet"
    """Asked of units by a measure whose term gives no date yet: not an assignment."""
    total: str = "Total"
    percent: str = "Done, %"
    generated: str = "Generated"
    progress_title: str = "Progress by section"
    history_title: str = "Overdue assignments over time"
    assignments: str = "Assignments"

    def status_name(self, status: ControlStatus | None) -> str:
        match status:
            case None:
                return self.undated
            case ControlStatus.CONFIRMED:
                return self.confirmed
            case ControlStatus.DUE:
                return self.due
            case ControlStatus.OVERDUE:
                return self.overdue
            case ControlStatus.UPCOMING:
                return self.upcoming


def localized() -> ReportLabels:
    """The labels in the current i18n locale (inside an aiogram I18n context)."""
    return ReportLabels(
        summary=_("Summary"),
        plan=_("Plan"),
        section=_("Section"),
        title=_("Title"),
        code=_("Code"),
        measure=_("Measure"),
        term=_("Term (as in the plan)"),
        responsible=_("Responsible (as in the plan)"),
        window_start=_("Window start"),
        window_end=_("Window end"),
        unit=_("Unit"),
        status=_("Status"),
        days_overdue=_("Days overdue"),
        confirmed_at=_("Confirmed at"),
        confirmed_by=_("Confirmed by"),
        confirmed=_("confirmed"),
        due=_("due"),
        overdue=_("overdue"),
        upcoming=_("not yet due"),
        undated=_("no date yet"),
        total=_("Total"),
        percent=_("Done, %"),
        generated=_("Generated"),
        progress_title=_("Progress by section"),
        history_title=_("Overdue assignments over time"),
        assignments=_("Assignments"),
    )
