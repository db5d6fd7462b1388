"""Fuzz: callback data from Telegram is decoded or refused (the filter's TypeError/ValueError),
never raised as anything else, and what is decoded fits the database."""

import pytest
from aiogram.filters.callback_data import CallbackData
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers import callbacks
from handlers.callbacks import MAX_ID
from handlers.control import MeasureCb, OverduePageCb

CLASSES: list[type[CallbackData]] = [
    *(
        value
        for value in vars(callbacks).values()
        if isinstance(value, type)
        and issubclass(value, CallbackData)
        and value is not CallbackData
    ),
    MeasureCb,
    OverduePageCb,
]
PREFIXES = [cls.__prefix__ for cls in CLASSES]
parts = st.one_of(
    st.sampled_from(["0", "1", "-1", "a", "d", "", "99999999999999999999999", "1e9", "٣", "True"]),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.text(max_size=8),
)
shaped = st.tuples(st.sampled_from(PREFIXES), st.lists(parts, max_size=5)).map(
    lambda found: ":".join([found[0], *found[1]])
)
raw = st.one_of(
    shaped,
    st.text(max_size=64),
    st.binary(max_size=64).map(lambda data: data.decode("utf-8", errors="replace")),
)


def test_every_callback_class_is_fuzzed() -> None:
    assert len(CLASSES) >= 14


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
@settings(max_examples=200, deadline=None)
@given(data=raw)
def test_any_callback_data_is_decoded_or_refused(cls: type[CallbackData], data: str) -> None:
    try:
        decoded = cls.unpack(data)
    except (TypeError, ValueError):
        return
    for value in decoded.model_dump().values():
        if isinstance(value, int) and not isinstance(value, bool):
            assert -1 <= value <= MAX_ID
