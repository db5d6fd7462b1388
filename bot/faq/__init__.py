"""FAQ of the hotline: data loading, Russian-aware matching, answers with regional facts.

Pure domain code: no aiogram, no I/O beyond reading the FAQ YAML it is given.

The names are re-exported lazily (PEP 562): importing `bot.faq.loader` or `bot.faq.model`
must not load the matcher's numpy, rapidfuzz and word vectors, which only answering a question
needs (a tick, a sender or an idle bot process stays small).
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.faq.complaint import looks_like_complaint
    from bot.faq.loader import DEFAULT_FAQ_PATH, FaqError, load_faq, load_faqs
    from bot.faq.matcher import Decision, FaqMatch, FaqMatcher, MatchResult
    from bot.faq.model import Audience, Faq, FaqEntry, HotlineFacts, hotline_facts

_HOMES = {
    "looks_like_complaint": "bot.faq.complaint",
    "DEFAULT_FAQ_PATH": "bot.faq.loader",
    "FaqError": "bot.faq.loader",
    "load_faq": "bot.faq.loader",
    "load_faqs": "bot.faq.loader",
    "Decision": "bot.faq.matcher",
    "FaqMatch": "bot.faq.matcher",
    "FaqMatcher": "bot.faq.matcher",
    "MatchResult": "bot.faq.matcher",
    "Audience": "bot.faq.model",
    "Faq": "bot.faq.model",
    "FaqEntry": "bot.faq.model",
    "HotlineFacts": "bot.faq.model",
    "hotline_facts": "bot.faq.model",
}

__all__ = [
    "DEFAULT_FAQ_PATH",
    "Audience",
    "Decision",
    "Faq",
    "FaqEntry",
    "FaqError",
    "FaqMatch",
    "FaqMatcher",
    "HotlineFacts",
    "MatchResult",
    "hotline_facts",
    "load_faq",
    "load_faqs",
    "looks_like_complaint",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'bot.faq' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
