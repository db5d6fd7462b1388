"""Russian text → matching terms: normalisation, lemmas (pymorphy3), stop words and synonyms."""

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_ORDINAL_RE = re.compile(r"(\d+)\s*-?\s*(?:ый|ой|ий|й|го|ого|м|ом)(?![а-я])")
_LETTER_DIGIT_RE = re.compile(r"(?<=[a-zа-я])(?=\d)|(?<=\d)(?=[a-zа-я])")
_REPEAT_RE = re.compile(r"([a-zа-я])\1{2,}")
_GREETING_RE = re.compile(r"\b(?:добр(?:ый|ое|ого)\s+(?:день|дня|вечер|вечера|утро|утра))\b")
_WORD_RE = re.compile(r"[0-9a-zа-я]+")
_CYRILLIC_RE = re.compile(r"[а-я]")
_LATIN_RE = re.compile(r"[a-z]")
_LOOKALIKES = str.maketrans("aeopcxykmthb", "аеорсхукмтнв")
# Phones and editors type «10‑й» with a non-breaking hyphen or a dash: all read as «-».
_DASHES = str.maketrans("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-------")

_STOP_WORDS_TEXT = """
    а и или но да же ли ль бы б вот вон ну ведь уж уже еще даже только лишь просто как так такой
    также тоже это этот тот то что чтобы кто какой который чей если раз я мы ты вы он она оно они
    мой наш твой ваш его ее их свой себя сам самый весь все в во на с со к ко по о об обо от до из
    у за для при про под над без через между перед не ни нет быть есть мочь можно нужно надо
    хотеть делать сделать сказать подсказать пожалуйста спасибо здравствуйте здравствуй привет
    приветствовать извинить простить вопрос интересовать очень вообще кстати блин короче типа ок
    ладно ага хорошо подскажите скажите любезный либо тогда потом там тут здесь сейчас теперь
    чем чего кого кому ком нибудь бывать являться ой эх ах хм вдруг например случай ребенок
    сын дочь дочка
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())

# Shorter words are never corrected as typos: too many real ones are a letter apart.
MIN_FUZZY_LENGTH = 4


def normalize(text: str) -> str:
    """Lowercase, ё→е, «гиа9» → «гиа 9», no punctuation, emoji or greetings; single spaces."""
    text = text.lower().replace("ё", "е").translate(_DASHES)
    text = _GREETING_RE.sub(" ", text)
    text = _ORDINAL_RE.sub(r"\1", text)
    text = _LETTER_DIGIT_RE.sub(" ", text)
    text = _REPEAT_RE.sub(r"\1", text)
    return " ".join(_fix_lookalikes(word) for word in _WORD_RE.findall(text))


def _fix_lookalikes(word: str) -> str:
    """«EГЭ» typed with a Latin E: a word mixing alphabets is read as Cyrillic."""
    if _CYRILLIC_RE.search(word) and _LATIN_RE.search(word):
        return word.translate(_LOOKALIKES)
    return word


@functools.cache
def _analyzer() -> Any:  # pymorphy3 ships no type information
    # Imported at the first lemma: its dictionaries cost ~20 MB that a bot process answering
    # no hotline question (and a tick, a sender) should not carry.
    import pymorphy3  # type: ignore[import-untyped]  # noqa: PLC0415

    return pymorphy3.MorphAnalyzer(lang="ru")


@functools.lru_cache(maxsize=100_000)
def lemma(word: str) -> str:
    """The dictionary form of a normalised word (Latin words and numbers stay as they are)."""
    if not _CYRILLIC_RE.search(word):
        return word
    normal_form: str = _analyzer().parse(word)[0].normal_form
    return normal_form.replace("ё", "е")


@functools.lru_cache(maxsize=100_000)
def is_known_word(word: str) -> bool:
    """Whether the dictionary knows the word (an unknown one may be a typo)."""
    known: bool = _analyzer().word_is_known(word)
    return known


# Parts of speech that name a thing, a quality or an action: only these are matched by meaning
# (an adverb such as «завтра» is near «сегодня» in the vectors, which says nothing here).
_CONTENT_POS = frozenset({"NOUN", "ADJF", "ADJS", "VERB", "INFN", "PRTF", "PRTS"})


@functools.lru_cache(maxsize=100_000)
def is_content_word(word: str) -> bool:
    if not _CYRILLIC_RE.search(word):
        return True
    return _analyzer().parse(word)[0].tag.POS in _CONTENT_POS


def lemmas(text: str) -> list[str]:
    return [lemma(word) for word in normalize(text).split()]


@dataclass(frozen=True)
class Synonyms:
    """Groups of words or phrases (as lemmas) that share a canonical term."""

    words: Mapping[str, str] = field(default_factory=dict)
    phrases: Mapping[tuple[str, ...], str] = field(default_factory=dict)

    @classmethod
    def from_groups(cls, groups: Iterable[Iterable[str]]) -> "Synonyms":
        words: dict[str, str] = {}
        phrases: dict[tuple[str, ...], str] = {}
        for group in groups:
            names = list(group)
            if not names:
                continue
            canonical = " ".join(names[0].lower().replace("ё", "е").split())
            items = [item for item in (tuple(lemmas(name)) for name in names) if item]
            for item in items:
                if len(item) == 1:
                    words.setdefault(item[0], canonical)
                else:
                    phrases.setdefault(item, canonical)
        return cls(words=words, phrases=phrases)

    def merged(self, other: "Synonyms") -> "Synonyms":
        return Synonyms(
            words={**other.words, **self.words}, phrases={**other.phrases, **self.phrases}
        )

    @functools.cached_property
    def longest_phrase(self) -> int:
        return max((len(p) for p in self.phrases), default=1)


@dataclass(frozen=True)
class Term:
    """One meaningful word of a text: its lemma and the canonical synonym, if it has one."""

    surface: str
    lemma: str
    canonical: str | None = None

    def terms(self) -> tuple[str, ...]:
        if self.canonical is None or self.canonical == self.lemma:
            return (self.lemma,)
        return (self.lemma, self.canonical)


def analyze(text: str, synonyms: Synonyms) -> list[Term]:
    """Lemmatise, fold phrases into their canonical term, then drop stop words."""
    words = normalize(text).split()
    lemma_list = [lemma(word) for word in words]
    result: list[Term] = []
    i = 0
    while i < len(words):
        for size in range(min(synonyms.longest_phrase, len(words) - i), 1, -1):
            canonical = synonyms.phrases.get(tuple(lemma_list[i : i + size]))
            if canonical is not None:
                result.append(Term(" ".join(words[i : i + size]), canonical, canonical))
                i += size
                break
        else:
            word, word_lemma = words[i], lemma_list[i]
            canonical = synonyms.words.get(word_lemma)
            if word.isdigit() and canonical is None:
                pass  # dates, scores and times: too ambiguous to match on
            elif word_lemma not in STOP_WORDS and word not in STOP_WORDS:
                result.append(Term(word, word_lemma, canonical))
            i += 1
    return result
