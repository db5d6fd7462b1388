"""Recognise a message that reads as a formal complaint or appeal to the authority.

The hotline is not a channel for those: the bot adds a note on where official appeals are filed
and still passes the message to an operator. A question about the exam appeal procedure
(«апелляция», «не согласен с баллами») is not a complaint.
"""

import re

from bot.faq.text import lemmas, normalize

# Lemmas that on their own mark a complaint to an authority.
_STRONG_LEMMAS = frozenset({"жалоба", "прокуратура", "прокурор", "прокурорский", "омбудсмен"})
# Phrases over normalised lemmas («обращаться к министр» matches «обращаюсь к министру»).
_PHRASES = tuple(
    re.compile(pattern)
    for pattern in (
        r"\bпросить (?:\w+ ){0,2}принять меры\b",
        r"\bпринять (?:\w+ ){0,1}меры\b",
        r"\bтребовать (?:\w+ ){0,3}(?:разобраться|наказать|уволить|проверка|ответ)\b",
        r"\bпривлечь (?:\w+ ){0,2}к ответственность\b",
        r"\b(?:обращаться|обратиться|написать|писать|дойти|пойти) (?:\w+ ){0,2}"
        r"(?:к |в )?(?:министр|министерство|губернатор|президент|депутат|мэр|глава|прокуратура"
        r"|суд|полиция|рособрнадзор|администрация)\b",
        r"\b(?:подать|подавать|подам) (?:\w+ ){0,1}(?:в )?(?:суд|иск)\b",
        r"\bофициальный (?:обращение|заявление|претензия)\b",
        r"\b(?:пожаловаться|жаловаться|нажаловаться)\b",
        r"\bнарушение (?:\w+ ){0,1}(?:право|закон)\b",
        r"\bпретензия\b",
        r"\bуполномоченный по (?:\w+ ){0,1}право\b",
        r"\bбезобразие\b",
        r"\bпроизвол\b",
    )
)
# «пожаловаться на баллы/оценку» is an appeal question, not a complaint to the authority.
_SCORE_WORDS = frozenset({"балл", "оценка", "результат", "отметка", "апелляция"})


def looks_like_complaint(text: str) -> bool:
    words = lemmas(text)
    if not words:
        return False
    if _STRONG_LEMMAS.intersection(words):
        return True
    joined = " ".join(words)
    for pattern in _PHRASES:
        found = pattern.search(joined)
        if found is None:
            continue
        if found.group(0).startswith(("пожаловаться", "жаловаться")) and _about_scores(words):
            continue
        return True
    return "прошу принять меры" in normalize(text)


def _about_scores(words: list[str]) -> bool:
    return bool(_SCORE_WORDS.intersection(words))
