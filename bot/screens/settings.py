"""/settings as a neutral message, the same on Telegram and MAX: whether MAX is linked, where
reminders go, and the buttons that change it (one person on both messengers is reminded once)."""

from collections.abc import Collection, Sequence

from aiogram.utils.i18n import gettext as _

from bot.screens import actions
from bot.services.addresses import Transport
from bot.transport.port import Button, Message

NAMES: dict[Transport, str] = {"telegram": "Telegram", "max": "MAX"}

CHOICE_ACTIONS: dict[Transport, actions.MessengerAction] = {
    "telegram": actions.MessengerAction.TELEGRAM,
    "max": actions.MessengerAction.MAX,
}


def settings_view(
    bound: Collection[Transport],
    reminded_in: Transport | None,
    messengers: Sequence[Transport],
    *,
    offer_max_link: bool,
) -> Message:
    """`bound`: the messengers the person is linked on; `reminded_in`: where reminders go now
    (None: nowhere yet); `messengers`: those this bot serves, in order; `offer_max_link`: show
    «Link MAX» when MAX is served and not linked (never in MAX itself)."""
    lines = [_("MAX: linked") if "max" in bound else _("MAX: not linked")]
    if reminded_in is not None:
        lines.append(_("Reminders go to: {messenger}.").format(messenger=NAMES[reminded_in]))
    rows: list[tuple[Button, ...]] = []
    if offer_max_link and "max" in messengers and "max" not in bound:
        rows.append(
            (Button(_("🔗 Link MAX"), action=actions.messenger(actions.MessengerAction.LINK_MAX)),)
        )
    choices = [t for t in messengers if t in bound]
    if len(choices) > 1:
        for transport in choices:
            mark = "✓ " if reminded_in == transport else ""
            label = mark + _("🔔 Remind me in {messenger}").format(messenger=NAMES[transport])
            rows.append((Button(label, action=actions.messenger(CHOICE_ACTIONS[transport])),))
    return Message("\n".join(lines), tuple(rows))


def chosen_transport(action: str) -> Transport | None:
    """The messenger a choice button names; None for any other action value."""
    for transport, choice in CHOICE_ACTIONS.items():
        if action == choice.value:
            return transport
    return None
