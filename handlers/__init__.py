"""aiogram routers, one per feature, created fresh for each dispatcher; catch-alls come last."""

from aiogram import Router

from handlers import (
    admin,
    assignments,
    common,
    control,
    errors,
    evidence,
    hotline,
    messengers,
    operators,
    reminders,
    review,
    start,
)


def build_router(operators_chat_id: int | None = None) -> Router:
    root = Router(name="root")
    root.include_routers(
        errors.create_router(),
        start.create_router(),
        admin.create_router(),
        assignments.create_router(),
        evidence.create_router(),  # files for an assignment, before the hotline takes free text
        reminders.create_router(),
        messengers.create_router(),  # /settings: linking MAX, where reminders go
        control.create_router(),  # /overdue, /progress, /measure, /coverage, /report
        review.create_router(),  # /review, acceptance and extension requests
        operators.create_router(operators_chat_id),  # before the hotline: the desk is a chat too
        hotline.create_router(),  # free text in private chats: questions for the hotline
        common.create_router(),  # /help, /lang and the catch-alls: keep last
    )
    return root
