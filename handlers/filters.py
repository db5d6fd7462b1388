"""Role filters: which users a router or handler serves."""

from aiogram.filters import BaseFilter
from aiogram.types import TelegramObject

from bot.services.types import Role


class RoleFilter(BaseFilter):
    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, event: TelegramObject, role: Role) -> bool:
        return role in self.roles
