"""Fuzz: any YAML text of bounded size is a plan or clean errors, never a crash."""

from datetime import date

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_plan_loader import FILE, VALID_PLAN

from bot.plan.loader import LoadResult, load_plan_text

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.dates(min_value=date(1, 1, 1)),
    st.text(max_size=30),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=40,
)
# Pieces that reach the loader's corners: dates that cannot be, aliases, tags, clock times.
snippets = st.sampled_from(
    [
        "2024-02-31",
        "2023-13-01",
        "&a",
        "*a",
        "*undefined",
        "!!binary x",
        "!!python/object:os.system",
        "21:00",
        "9" * 5000,
        "{",
        "[",
        ": :",
        "\t",
        "\x00",
        "? complex\n",
        "<<: *a",
        "---\n",
    ]
)


def clean(result: LoadResult) -> None:
    assert (result.plan is None) == bool(result.errors)
    for diagnostic in result.diagnostics:
        assert diagnostic.file == FILE
        assert str(diagnostic)


@FUZZ
@given(st.text(max_size=2000))
def test_any_text_is_a_plan_or_clean_errors(text: str) -> None:
    clean(load_plan_text(text, FILE))


@FUZZ
@given(documents)
def test_any_yaml_document_is_a_plan_or_clean_errors(document: object) -> None:
    clean(load_plan_text(yaml.safe_dump(document, allow_unicode=True), FILE))


@FUZZ
@given(
    st.integers(min_value=0, max_value=len(VALID_PLAN)),
    st.one_of(snippets, st.text(max_size=20)),
    st.integers(min_value=0, max_value=40),
)
def test_a_valid_plan_with_a_splice_is_a_plan_or_clean_errors(
    at: int, piece: str, cut: int
) -> None:
    clean(load_plan_text(VALID_PLAN[:at] + piece + VALID_PLAN[at + cut :], FILE))


@FUZZ
@given(st.sampled_from(["events: {exam: %s}", "order: {number: '1', date: %s}"]), snippets)
def test_a_valid_plan_with_an_odd_value_is_a_plan_or_clean_errors(line: str, value: str) -> None:
    text = VALID_PLAN.replace("sections:", line % value + "\nsections:", 1)
    clean(load_plan_text(text, FILE))
