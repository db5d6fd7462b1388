"""aiogram routers, one per feature, created fresh for each dispatcher; catch-alls come last."""

from aiogram import Router

from handlers import admin, assignments, common, errors, start


def build_router() -> Router:
    root = Router(name="root")
    root.include_routers(
        errors.create_router(),
        start.create_router(),
        admin.create_router(),
        assignments.create_router(),
        common.create_router(),  # /help, /lang and the catch-alls: keep last
    )
    return root
