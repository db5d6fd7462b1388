"""A running hotline skips a broken FAQ file and keeps answering from the others."""

from pathlib import Path

from test_faq_data import valid_faq, write_faq

from bot.faq.loader import load_faqs_skipping


def test_a_broken_file_is_left_out_and_reported(tmp_path: Path) -> None:
    good = write_faq(tmp_path, valid_faq("results-when"), "a.yaml")
    broken = write_faq(tmp_path, "version: 1\nentries: [unclosed\n", "b.yaml")
    other = write_faq(tmp_path, valid_faq("results-where"), "c.yaml")

    faq, refused = load_faqs_skipping([good, broken, other])

    assert faq.ids == ["results-when", "results-where"]
    assert [error.file for error in refused] == [str(broken)]
    assert "not valid YAML" in str(refused[0])


def test_a_file_whose_ids_clash_is_left_out(tmp_path: Path) -> None:
    good = write_faq(tmp_path, valid_faq("results-when"), "a.yaml")
    clash = write_faq(tmp_path, valid_faq("results-when"), "b.yaml")

    faq, refused = load_faqs_skipping([good, clash])

    assert faq.ids == ["results-when"]
    assert str(refused[0]) == f'{clash}: entry "results-when" is also in {good}'


def test_no_good_file_leaves_an_empty_faq(tmp_path: Path) -> None:
    faq, refused = load_faqs_skipping([tmp_path / "missing.yaml"])

    assert faq.ids == []
    assert len(refused) == 1
