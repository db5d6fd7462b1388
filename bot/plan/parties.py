"""The directory of parties a plan names, and how responsible texts are matched against it."""

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.plan.schema import DirectoryDoc, OrganisationKind


class PartyKind(StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"
    CATEGORY = "category"
    GROUP = "group"


@dataclass(frozen=True, slots=True)
class Party:
    name: str
    kind: PartyKind
    full_name: str | None = None
    position: str | None = None
    of: str | None = None

    @property
    def expands(self) -> bool:
        """True when the party stands for many concrete units (each school, each municipality)."""
        return self.kind in (PartyKind.CATEGORY, PartyKind.GROUP)


@dataclass(frozen=True, slots=True)
class PartyMatch:
    party: Party
    written: str
    misspelled: bool


class DuplicatePartyError(ValueError):
    pass


_INITIALS_RE = re.compile(r"([А-ЯЁA-Z])\.\s+(?=[А-ЯЁA-Z]\.)")
_DASHES_RE = re.compile(r"[‐‑‒–—―]")
_SPACES_RE = re.compile(r"\s+")


def normalize_name(text: str) -> str:
    """Fold the differences that do not make another name: case, ё, dashes, spacing in initials."""
    text = _DASHES_RE.sub("-", text.replace("ё", "е").replace("Ё", "Е"))
    text = _INITIALS_RE.sub(r"\1.", text)
    return _SPACES_RE.sub(" ", text).strip().casefold()


class PartyDirectory:
    """All parties of one plan, addressable by canonical name, alias or misspelling."""

    def __init__(self, parties: Iterable[tuple[Party, Iterable[str], Iterable[str]]]) -> None:
        self._parties: dict[str, Party] = {}
        self._forms: dict[str, tuple[Party, bool, str]] = {}
        for party, aliases, misspellings in parties:
            if party.name in self._parties:
                raise DuplicatePartyError(f'party "{party.name}" is declared twice')
            self._parties[party.name] = party
            forms = [(party.name, False), *((a, False) for a in aliases)]
            forms += [(m, True) for m in misspellings]
            for form, misspelled in forms:
                key = normalize_name(form)
                known = self._forms.get(key)
                if known is not None and known[0] is not party:
                    raise DuplicatePartyError(
                        f'"{form}" names both "{known[0].name}" and "{party.name}"'
                    )
                self._forms[key] = (party, misspelled, form)
        # Longest forms first so that «руководители ОО» wins over «ОО» and «ПК ИРО» over «ПК».
        ordered = sorted(self._forms, key=len, reverse=True)
        self._text_re = (
            re.compile(r"(?<!\w)(" + "|".join(re.escape(f) for f in ordered) + r")(?!\w)")
            if ordered
            else None
        )

    @classmethod
    def from_doc(cls, doc: DirectoryDoc) -> "PartyDirectory":
        entries: list[tuple[Party, Iterable[str], Iterable[str]]] = []
        for person in doc.people:
            entries.append(
                (
                    Party(person.name, PartyKind.PERSON, position=person.position),
                    person.aliases,
                    person.misspellings,
                )
            )
        for org in doc.organisations:
            kind = (
                PartyKind.CATEGORY
                if org.kind is OrganisationKind.CATEGORY
                else PartyKind.ORGANISATION
            )
            entries.append(
                (Party(org.name, kind, full_name=org.full_name), org.aliases, org.misspellings)
            )
        for group in doc.groups:
            entries.append(
                (
                    Party(group.name, PartyKind.GROUP, of=group.of),
                    group.aliases,
                    group.misspellings,
                )
            )
        return cls(entries)

    @property
    def parties(self) -> tuple[Party, ...]:
        return tuple(self._parties.values())

    def __len__(self) -> int:
        return len(self._parties)

    def get(self, name: str) -> Party | None:
        return self._parties.get(name)

    def resolve(self, written: str) -> PartyMatch | None:
        found = self._forms.get(normalize_name(written))
        if found is None:
            return None
        return PartyMatch(found[0], found[2], found[1])

    def suggest(self, written: str) -> str | None:
        """The canonical name closest to an unknown one, for «did you mean …?»."""
        key = normalize_name(written)
        close = difflib.get_close_matches(key, list(self._forms), n=1, cutoff=0.6)
        if not close:
            prefixed = [form for form in self._forms if form.startswith(key)]
            if len(prefixed) != 1:
                return None
            close = prefixed
        return self._forms[close[0]][0].name

    def find_in_text(self, text: str) -> list[PartyMatch]:
        """Every party a free responsible text names, in order of appearance, once each."""
        if self._text_re is None:
            return []
        matches: list[PartyMatch] = []
        seen: set[str] = set()
        for hit in self._text_re.finditer(normalize_name(text)):
            party, misspelled, form = self._forms[hit.group(1)]
            if party.name in seen:
                continue
            seen.add(party.name)
            matches.append(PartyMatch(party, form, misspelled))
        return matches
