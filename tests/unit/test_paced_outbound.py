"""MAX replies under the messenger's budget (`PacedOutbound`), with a fake outbound and a clock
that moves only when the limiter sleeps."""

import pytest
from delivery_support import FakeTime

from bot.delivery.paced import MAX_RETRIES, PacedOutbound
from bot.reminders.ratelimit import PRIVATE_INTERVAL
from bot.transport.max.transport import MAX_LIMITS
from bot.transport.port import (
    Address,
    AddressKind,
    Limits,
    Message,
    MessageRef,
    Permanent,
    PressRef,
    RetryAfter,
    TransportError,
)

PERSON = Address("max", AddressKind.USER, 7001)
OTHER = Address("max", AddressKind.USER, 7002)
PRESS = PressRef("max", "cb-1")
WAIT = 3.0  # the messenger's retry_after in these tests
EPSILON = 1e-9  # the fake clock adds floats


class FakeOutbound:
    """Records each call with the time it left; raises the errors queued first."""

    def __init__(self, time: FakeTime) -> None:
        self.time = time
        self.calls: list[tuple[float, str, object]] = []
        self.errors: list[TransportError] = []

    @property
    def name(self) -> str:
        return "max"

    @property
    def limits(self) -> Limits:
        return MAX_LIMITS

    def _call(self, what: str, target: object) -> None:
        self.calls.append((self.time.now, what, target))
        if self.errors:
            raise self.errors.pop(0)

    async def send(self, address: Address, message: Message) -> MessageRef:
        self._call("send", address.id)
        return MessageRef(address, f"mid-{len(self.calls)}")

    async def edit(self, address: Address, ref: MessageRef, message: Message) -> None:
        self._call("edit", address.id)

    async def answer_press(self, press: PressRef, text: str | None = None) -> None:
        self._call("answer", press.id)


@pytest.fixture
def time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def outbound(time: FakeTime) -> FakeOutbound:
    return FakeOutbound(time)


@pytest.fixture
def paced(time: FakeTime, outbound: FakeOutbound) -> PacedOutbound:
    return PacedOutbound(outbound, time.limiter())


async def test_it_is_the_messenger_it_wraps(paced: PacedOutbound) -> None:
    assert (paced.name, paced.limits) == ("max", MAX_LIMITS)


async def test_replies_to_one_person_keep_the_chats_interval(
    paced: PacedOutbound, outbound: FakeOutbound
) -> None:
    for text in ("один", "два", "три"):
        await paced.send(PERSON, Message(text))
    moments = [moment for moment, _, _ in outbound.calls]
    assert moments[1] - moments[0] == pytest.approx(PRIVATE_INTERVAL)
    assert moments[2] - moments[1] == pytest.approx(PRIVATE_INTERVAL)


async def test_replies_to_different_people_do_not_wait_for_each_other(
    paced: PacedOutbound, outbound: FakeOutbound
) -> None:
    await paced.send(PERSON, Message("один"))
    await paced.send(OTHER, Message("два"))
    first, second = (moment for moment, _, _ in outbound.calls)
    assert second - first < PRIVATE_INTERVAL / 10  # only the overall budget's spacing


async def test_a_429_holds_the_chat_and_the_reply_still_arrives(
    paced: PacedOutbound, outbound: FakeOutbound
) -> None:
    outbound.errors.append(RetryAfter("MAX 429", WAIT))
    sent = await paced.send(PERSON, Message("ответ"))
    assert sent.id == "mid-2"
    assert [(what, target) for _, what, target in outbound.calls] == [
        ("send", PERSON.id),
        ("send", PERSON.id),
    ]
    assert outbound.calls[1][0] - outbound.calls[0][0] >= WAIT - EPSILON
    assert paced.retried == 1


async def test_it_gives_up_after_its_retries_with_the_429(
    paced: PacedOutbound, outbound: FakeOutbound
) -> None:
    outbound.errors.extend(RetryAfter("MAX 429", 1.0) for _ in range(MAX_RETRIES + 1))
    with pytest.raises(RetryAfter):
        await paced.send(PERSON, Message("ответ"))
    assert len(outbound.calls) == MAX_RETRIES + 1
    assert paced.retried == MAX_RETRIES


async def test_other_refusals_are_not_retried(
    paced: PacedOutbound, outbound: FakeOutbound
) -> None:
    outbound.errors.append(Permanent("MAX 400"))
    with pytest.raises(Permanent):
        await paced.edit(PERSON, MessageRef(PERSON, "mid-1"), Message("правка"))
    assert len(outbound.calls) == 1
    assert paced.retried == 0


async def test_an_edit_keeps_the_chats_interval_and_outlasts_a_429(
    paced: PacedOutbound, outbound: FakeOutbound
) -> None:
    ref = MessageRef(PERSON, "mid-1")
    await paced.edit(PERSON, ref, Message("первая"))
    outbound.errors.append(RetryAfter("MAX 429", WAIT))
    await paced.edit(PERSON, ref, Message("вторая"))
    moments = [moment for moment, _, _ in outbound.calls]
    assert moments[1] - moments[0] == pytest.approx(PRIVATE_INTERVAL)
    assert moments[2] - moments[1] >= WAIT - EPSILON
    assert [what for _, what, _ in outbound.calls] == ["edit"] * 3


async def test_press_answers_are_not_counted_but_wait_out_a_429(
    paced: PacedOutbound, outbound: FakeOutbound
) -> None:
    await paced.answer_press(PRESS)
    await paced.answer_press(PRESS, "Готово")
    assert [moment for moment, _, _ in outbound.calls] == [0.0, 0.0]
    outbound.errors.append(RetryAfter("MAX 429", WAIT))
    await paced.answer_press(PRESS)
    assert outbound.calls[-1][0] - outbound.calls[-2][0] >= WAIT - EPSILON
    assert [what for _, what, _ in outbound.calls] == ["answer"] * 4


async def test_a_string_address_is_paced_as_the_whole_bot(
    paced: PacedOutbound, outbound: FakeOutbound
) -> None:
    named = Address("max", AddressKind.USER, "not-a-number")
    await paced.send(named, Message("один"))
    await paced.send(named, Message("два"))
    assert [target for _, _, target in outbound.calls] == ["not-a-number"] * 2
