"""Free-text "what can you help with" answers to catalogue keys (`kith.groups.catalogue`). No Django.

A Google Forms checkbox answer is its options joined by ", "; an Airtable multi-select is the
same; a Sheets cell is whatever was typed ("shopping & prescription runs, dog walks"). The
catalogue's own labels are found first, whole, so an option with a comma or "and" inside it
("Friendly phone calls and check-ins") is not split. The rest is split on commas, semicolons,
slashes, "and", "&" and new lines, and each piece is matched by keywords. A piece that matches
nothing is returned as unknown, for the report; it is never guessed.
"""

from __future__ import annotations

import re
import unicodedata

from kith.groups.catalogue import SERVICES

KEYS = [key for key, _ in SERVICES]

_KEYWORDS: dict[str, list[str]] = {
    "shopping": [r"shop(s|ping)?", r"grocer(y|ies)", r"supermarket", r"food shop\w*"],
    "prescriptions": [r"prescriptions?", r"pharmacy", r"chemists?", r"medicines?", r"medications?",
                      r"meds"],
    "dog_walking": [r"dogs?", r"pets?", r"dog walk\w*", r"walking (the )?dogs?", r"pet care"],
    "befriending": [r"befriend\w*", r"friendly", r"check[- ]?ins?", r"checking in", r"chats?",
                    r"chatting", r"companion\w*", r"(phone|telephone) calls?", r"calls?",
                    r"visits?", r"visiting", r"lonel\w*", r"keeping in touch", r"company"],
    "posting": [r"post(ing)?", r"letters?", r"parcels?", r"post office", r"mail"],
    "foodbank": [r"food ?banks?", r"lunch shifts?", r"pantry", r"food hub", r"community fridge",
                 r"sorting food", r"food parcels?", r"food distribution"],
    "hot_meals": [r"hot meals?", r"meals?", r"cook(s|ing)?", r"baking", r"soup"],
    "advice": [r"advice", r"signpost\w*", r"benefits?", r"form[- ]filling", r"forms",
               r"paperwork", r"advocacy"],
    "interpreting": [r"interpret\w*", r"translat\w*", r"languages?"],
    "lifts": [r"lifts?", r"driv(e|er|ers|ing)", r"appointments?", r"hospital",
              r"transport( to appointments)?", r"giving lifts"],
    "phone_admin": [r"admin\w*", r"phone lines?", r"helplines?", r"answering( the)? phones?",
                    r"office", r"data entry", r"spreadsheets?", r"coordinat\w*", r"it support",
                    r"social media"],
    "errands": [r"errands?", r"odd jobs", r"collect(ing|ions?)?", r"bits and bobs",
                r"general help", r"small jobs", r"running errands"],
}
_PATTERNS = {key: re.compile(r"\b(?:" + "|".join(words) + r")\b") for key, words in _KEYWORDS.items()}
_LABELS = sorted(((label.casefold(), key) for key, label in SERVICES), key=lambda t: -len(t[0]))
_SPLIT = re.compile(r"[,;/\n|+•·]|\s&\s|\band\b|\s-\s")
_PREFIX = re.compile(r"^(other|others|also|plus|e\.?g\.?|including|incl\.?)\s*[:\-]?\s*")
_MARK = "\x00"


def parse_services(text: str) -> tuple[list[str], list[str]]:
    """(catalogue keys in catalogue order, the pieces we did not recognise as typed)."""
    cell = " ".join(unicodedata.normalize("NFKC", text).split())
    if not cell:
        return [], []
    work = cell.casefold()
    found: set[str] = set()
    for label, key in _LABELS:
        if label in work:
            found.add(key)
            work = work.replace(label, _MARK)
    unknown: list[str] = []
    for piece in _SPLIT.split(work):
        piece = _PREFIX.sub("", piece.replace(_MARK, " ").strip(" .:-()'\"")).strip()
        if not piece:
            continue
        keys = {key for key, pattern in _PATTERNS.items() if pattern.search(piece)}
        if keys:
            found |= keys
        else:
            unknown.append(_as_typed(cell, piece))
    return [key for key in KEYS if key in found], unknown


def _as_typed(cell: str, piece: str) -> str:
    """The piece with the capitals the person typed, if we can find it again."""
    start = cell.casefold().find(piece)
    return cell[start:start + len(piece)] if start >= 0 else piece
