"""Free-text "what can you help with" answers to catalogue keys (`kith.groups.catalogue`). No Django.

A Google Forms checkbox answer is its options joined by ", "; an Airtable multi-select is the
same; a Sheets cell is whatever was typed ("shopping & prescription runs, dog walks"). The
catalogue's own labels are found first, whole, so an option with a comma or "and" inside it
("Friendly phone calls and check-ins") is not split. The rest is split on commas, semicolons,
slashes, "and", "&" and new lines.

Each piece is read for whole meanings, not single words: every phrase a service knows is looked
for (with a verb in front, if there is one: "collecting", "delivering", "picking up"), and where
two phrases overlap the longer one wins. So "Collecting food bank parcels" is the food bank
alone: its phrase covers the whole piece, and the shorter "parcels" (posting) and "collecting"
(errands) inside it are not read on their own. A piece that is only a verb ("Collecting and
delivering shopping") belongs to the piece beside it. A piece that matches nothing is returned as
unknown, for the report; it is never guessed.
"""

from __future__ import annotations

import re
import unicodedata

from kith.groups.catalogue import SERVICES

KEYS = [key for key, _ in SERVICES]

# Doing words that go in front of what is done: "collecting prescriptions" is prescriptions.
_VERB = (r"(?:collect(?:ing|s)?|deliver(?:ing|s|y|ies)?|fetch(?:ing)?|pick(?:ing)?|drop(?:ping)?|"
         r"sort(?:ing)?|pack(?:ing)?|run(?:ning)?|do(?:ing)?|help(?:ing)?|volunteer(?:ing)?|"
         r"cover(?:ing)?|tak(?:e|ing)|bring(?:ing)?|get(?:ting)?|giv(?:e|ing)|mak(?:e|ing)|"
         r"staff(?:ing)?)\b")
_PARTICLE = r"(?:up|off|out|round|with|at|in|on|for|to|from|the|a|some|people'?s|their)"
_DOING = rf"(?:{_VERB}(?:\s+{_PARTICLE})*\s+)?"

# Each phrase is one meaning; the longest phrase found wins where phrases overlap.
_PHRASES: dict[str, list[str]] = {
    "shopping": [r"shop(s|ping)?", r"shopping (runs?|trips?|deliver(y|ies))", r"grocer(y|ies)",
                 r"supermarket( runs?| trips?)?", r"food shop(s|ping)?", r"weekly shop(ping)?",
                 r"essentials"],
    "prescriptions": [r"prescriptions?( runs?| collections?| pick ?ups?| deliver(y|ies))?",
                      r"pharmacy( runs?| trips?| deliver(y|ies))?", r"chemists?",
                      r"medicines?", r"medications?", r"meds"],
    "dog_walking": [r"dog[- ]?walk\w*", r"walk\w* (the |their |people'?s )?dogs?", r"dogs?",
                    r"pets?", r"pet (care|sitting)"],
    "befriending": [r"befriend\w*", r"friendly( phone| telephone| video)? (calls?|chats?)",
                    r"check[- ]?ins?", r"checking in( on \w+)?", r"chats?", r"chatting",
                    r"companion\w*", r"(phone|telephone|video) calls?", r"calls?", r"visits?",
                    r"visiting", r"lonel\w*", r"keeping in touch", r"company",
                    r"emotional support", r"someone to talk to"],
    "posting": [r"post(ing)?", r"post(ing)? (letters|mail|parcels)", r"letters?", r"parcels?",
                r"post office( runs?| trips?)?", r"mail"],
    "foodbank": [r"food ?banks?( parcels?| deliver(y|ies)| shifts?| runs?| collections?| "
                 r"donations?| work| volunteering)?", r"lunch shifts?", r"pantry", r"food hub",
                 r"community (fridge|kitchen|larder)", r"sorting food", r"food parcels?",
                 r"food distribution", r"food donations?"],
    "hot_meals": [r"hot meals?", r"meals?", r"meals on wheels", r"cook(s|ing)?",
                  r"cook(ing)? (meals?|for \w+)", r"baking", r"soup"],
    "advice": [r"advice", r"signpost\w*", r"benefits?( advice| forms?| claims?)?",
               r"form[- ]filling", r"filling in forms", r"forms", r"paperwork", r"advocacy"],
    "interpreting": [r"interpret\w*", r"translat\w*", r"languages?"],
    "lifts": [r"lifts?", r"driv(e|er|ers|ing)", r"appointments?",
              r"hospital( appointments?| trips?| runs?)?", r"transport( to appointments)?",
              r"giving lifts", r"car shar\w*"],
    "phone_admin": [r"admin\w*", r"phone lines?", r"helplines?", r"answering( the)? phones?",
                    r"office work", r"data entry", r"spreadsheets?", r"coordinat\w*",
                    r"it support", r"tech support", r"social media"],
    "errands": [r"errands?", r"odd jobs", r"collect(ing|ions?)?", r"bits and bobs",
                r"general help", r"small jobs", r"running errands"],
}
_PATTERNS: dict[str, list[re.Pattern[str]]] = {
    key: [re.compile(rf"\b{_DOING}(?:{phrase})\b") for phrase in phrases]
    for key, phrases in _PHRASES.items()
}
# One quick look per service first: its phrases' own pattern is read only where one is there.
_ANY_OF: dict[str, re.Pattern[str]] = {
    key: re.compile(r"\b(?:" + "|".join(phrases) + r")\b") for key, phrases in _PHRASES.items()
}
_VERB_ONLY = re.compile(rf"(?:{_VERB}(?:\s+{_PARTICLE})*)")
_SPLIT = re.compile(r"[,;/\n|+•·]|\s&\s|\band\b|\s-\s")
# Labels the split would break ("Friendly phone calls and check-ins") are found whole first;
# the others are read like any other phrase, so "Picking up shopping" keeps its verb.
_LABELS = sorted(((label.casefold(), key) for key, label in SERVICES if _SPLIT.search(label)),
                 key=lambda t: -len(t[0]))
_PREFIX = re.compile(r"^(other|others|also|plus|e\.?g\.?|including|incl\.?)\s*[:\-]?\s*")
_MARK = "\x00"


def meanings(piece: str) -> set[str]:
    """The services one piece of an answer names: the longest phrases, never overlapping."""
    found = [(m.start(), m.end(), key) for key, quick in _ANY_OF.items() if quick.search(piece)
             for pattern in _PATTERNS[key] for m in pattern.finditer(piece)]
    found.sort(key=lambda f: (f[0] - f[1], f[0]))  # longest first, then leftmost
    taken: list[tuple[int, int]] = []
    keys: set[str] = set()
    for start, end, key in found:
        if all(end <= s or start >= e for s, e in taken):
            taken.append((start, end))
            keys.add(key)
    return keys


def _pieces(work: str) -> list[str]:
    """The answer's parts. A part that is only a verb belongs to the next ("collecting and
    delivering shopping" is shopping, not errands and shopping), or to the one before when it
    comes last ("food shopping and delivery"); alone, it is read as it is."""
    out: list[str] = []
    verbs: list[str] = []
    for piece in _SPLIT.split(work):
        piece = _PREFIX.sub("", piece.replace(_MARK, " ").strip(" .:-()'\"")).strip()
        if not piece:
            continue
        if _VERB_ONLY.fullmatch(piece):
            verbs.append(piece)
            continue
        out.append(piece)
        verbs = []
    if verbs and not out and _MARK not in work:
        out.append(" ".join(verbs))
    return out


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
    for piece in _pieces(work):
        keys = meanings(piece)
        if keys:
            found |= keys
        else:
            unknown.append(_as_typed(cell, piece))
    return [key for key in KEYS if key in found], unknown


def _as_typed(cell: str, piece: str) -> str:
    """The piece with the capitals the person typed, if we can find it again."""
    start = cell.casefold().find(piece)
    return cell[start:start + len(piece)] if start >= 0 else piece
