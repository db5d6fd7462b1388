"""FAQ of the hotline: data loading, Russian-aware matching, answers with regional facts.

Pure domain code: no aiogram, no I/O beyond reading the FAQ YAML it is given.
"""

from bot.faq.complaint import looks_like_complaint
from bot.faq.loader import DEFAULT_FAQ_PATH, FaqError, load_faq, load_faqs
from bot.faq.matcher import Decision, FaqMatch, FaqMatcher, MatchResult
from bot.faq.model import Audience, Faq, FaqEntry, HotlineFacts, hotline_facts

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
