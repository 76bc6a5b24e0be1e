"""Free-text availability ("weekday evenings", "Mon/Wed pm", "any time") to slot keys. No Django.

Slots are a day and a part of it: "mon_am", "sat_eve" (`kith.volunteers.models.SLOTS`; the same
lists are kept here so this module needs no Django, and a test keeps them equal).

How a cell is read:

1. Phrases first: "any time", "weekends", "during the day", "after work" (unclear), "Mon-Fri".
2. Then words: days ("Mon", "Tuesdays", "weekdays"), parts ("mornings", "pm", "evenings"),
   times ("after 6pm", "9-5", "10am-2pm"), "except"/"not", separators ("," "/" "and"), and
   filler ("only", "usually", "on"). Any other word makes the answer unclear.
3. Days and parts next to each other go together ("weekday evenings", "evenings on weekdays");
   a separator between a day and a part starts a new piece ("mornings and weekends" is every
   morning, plus weekends all day), but not between two days or two parts ("Mon and Wed
   evenings", "Saturday morning and afternoon"). A piece with no days means every day; with
   no part, the whole day.

Anything we cannot read for certain ("after work?", "2 evenings a week", "depends on shifts")
gives no slots and a reason, for the report: the volunteer chooses their times when they confirm.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
PARTS = ["am", "pm", "eve"]
SLOTS = [f"{day}_{part}" for day in DAYS for part in PARTS]
WEEKDAYS = frozenset(DAYS[:5])
WEEKEND = frozenset(DAYS[5:])
ALL_DAYS = frozenset(DAYS)
ALL_PARTS = frozenset(PARTS)

# Hours each part covers: morning to noon, afternoon to five, evening after that.
PART_HOURS = {"am": (5, 12), "pm": (12, 17), "eve": (17, 24)}

_DAY_WORDS = {
    "mon": "mon", "monday": "mon", "mondays": "mon", "mo": "mon",
    "tue": "tue", "tues": "tue", "tuesday": "tue", "tuesdays": "tue", "tu": "tue",
    "wed": "wed", "weds": "wed", "wednesday": "wed", "wednesdays": "wed",
    "thu": "thu", "thur": "thu", "thurs": "thu", "thursday": "thu", "thursdays": "thu",
    "fri": "fri", "friday": "fri", "fridays": "fri",
    "sat": "sat", "saturday": "sat", "saturdays": "sat",
    "sun": "sun", "sunday": "sun", "sundays": "sun",
}
_DAY_GROUPS = {"weekdays": WEEKDAYS, "weekends": WEEKEND, "alldays": ALL_DAYS}
_PART_WORDS = {
    "morning": {"am"}, "mornings": {"am"}, "am": {"am"}, "morn": {"am"}, "breakfast": {"am"},
    "afternoon": {"pm"}, "afternoons": {"pm"}, "pm": {"pm"}, "lunchtime": {"pm"},
    "lunchtimes": {"pm"}, "lunch": {"pm"}, "midday": {"pm"}, "noon": {"pm"},
    "evening": {"eve"}, "evenings": {"eve"}, "eve": {"eve"}, "eves": {"eve"}, "night": {"eve"},
    "nights": {"eve"}, "evns": {"eve"}, "tonight": {"eve"},
    "daytime": {"am", "pm"}, "daytimes": {"am", "pm"},
    "allday": set(PARTS), "anytime": set(PARTS),
}
_FILLER = {
    "only", "on", "the", "in", "at", "a", "an", "most", "some", "usually", "generally",
    "mostly", "normally", "free", "available", "availability", "can", "could", "do", "help",
    "me", "my", "every", "all", "time", "times", "week", "weekly", "each", "per", "please",
    "of", "for", "with", "around", "about", "happy", "good", "best", "prefer", "preferably",
    "ideally", "early", "late", "ish", "is", "are", "be", "fine", "ok", "okay", "days", "day",
    "both", "either", "etc", "pretty", "much", "really", "totally", "great", "works", "well",
    "usual", "mainly", "would", "will", "like", "love", "but", "i", "any",
}
_SEP_WORDS = {"and", "or", "plus", "also", "then"}
_EXCEPT = {"except", "not", "excluding", "exc", "apart", "besides", "never", "no"}
_RANGE_WORDS = {"to", "till", "until", "through", "thru"}
# Words that say "it depends" rather than when: the answer is flagged, not guessed.
_UNCLEAR_WORDS = {
    "depends", "depending", "varies", "vary", "variable", "shifts", "shift", "rota", "adhoc",
    "sometimes", "occasionally", "occasional", "tbc", "tbd", "unsure", "maybe", "possibly",
    "flexi", "term", "holidays", "holiday", "hours", "hrs", "hour", "ring", "call", "ask",
    "contact", "school", "once", "twice", "weeks", "fortnight", "fortnightly", "month",
    "monthly", "work",
}
# "2 evenings a week" says how many, not which.
_COUNT = re.compile(r"\b\d{1,2} ?(x|times?|days?|evenings?|mornings?|afternoons?|nights?|weekends?"
                    r"|hours?|hrs?|sessions?|shifts?|tasks?|a week|per week)\b")

_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        (r"\b(i am|i'm|im)\b", " "),
        (r"\b(any ?time|whenever|24 ?/ ?7|24 ?hours|all the time|at any time|flexible|"
         r"any day any time|anything|any)\b(?! ?day)", " anytime "),
        (r"\bafter work\b|\bafter school\b|\bschool (hours|run)\b|\bwhen needed\b|"
         r"\bad[ -]hoc\b|\bnot sure\b|\bit depends\b|\bas needed\b|\bnow and then\b|\bdepends\b",
         " ?unclear "),
        (r"\b(during|in) the day\b|\bday ?times?\b|\bdaylight\b", " daytime "),
        (r"\ball day\b|\bfull days?\b|\ball of the day\b", " allday "),
        (r"\bweek[- ]?days?\b|\bworking days?\b|\bmon(day)?s? ?(-|–|to|till|until|thru) ?fri(day)?s?\b",
         " weekdays "),
        (r"\bweek[- ]?ends?\b|\bwkends?\b|\bwknds?\b|\bsat(urday)?s? ?(and|&|/|\+|-) ?sun(day)?s?\b",
         " weekends "),
        (r"\b(every ?day|everyday|daily|any ?day|all week|7 days( a week)?|seven days|"
         r"every day of the week|most days|all days)\b", " alldays "),
        (r"\bmid ?day\b", " midday "),
        (r"\ba\.?m\.?(?=\W|$)", "am"),
        (r"\bp\.?m\.?(?=\W|$)", "pm"),
        (r"\b(\d{1,2})[:.](\d{2}) ?(am|pm)?\b", r" \1:\2\3 "),
        (r"\b(\d{1,2}) (am|pm)\b", r"\1\2"),
    ]
]
_TOKEN = re.compile(
    r"(?P<time>\d{1,2}(?::\d{2})?(?:am|pm)?)(?![\w])"
    r"|(?P<word>[a-z][a-z']*)"
    r"|(?P<sep>[,;/&+\n|]|\band\b|\bor\b)"
    r"|(?P<dash>[-–—])"
    r"|(?P<q>\?)"
)
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?(am|pm)?$")


@dataclass(frozen=True)
class Availability:
    slots: tuple[str, ...]
    unclear: str | None = None  # why not, for the report; None if read (or empty)


@dataclass
class _Piece:
    days: set[str] = field(default_factory=set)
    parts: set[str] = field(default_factory=set)
    no_days: set[str] = field(default_factory=set)
    no_parts: set[str] = field(default_factory=set)

    def has(self, kind: str) -> bool:
        return bool(self.days if kind == "day" else self.parts)

    def slots(self) -> set[str]:
        days = (self.days or set(ALL_DAYS)) - self.no_days
        parts = (self.parts or set(ALL_PARTS)) - self.no_parts
        return {f"{d}_{p}" for d in days for p in parts}


def _hour(match: re.Match[str]) -> tuple[float, str | None]:
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half == "pm" and hour < 12:
        hour += 12
    if half == "am" and hour == 12:
        hour = 0
    return hour + minute / 60, half


def _bare_to_clock(hour: float) -> float:
    """An hour written without am/pm: 1 to 6 are afternoon or evening, 7 to 11 morning."""
    return hour + 12 if 1 <= hour < 7 else hour


def _parts_between(start: float, end: float) -> set[str]:
    return {part for part, (lo, hi) in PART_HOURS.items() if start < hi and end > lo}


def _tokens(text: str) -> list[tuple[str, object]] | str:
    """("day", {..}) ("part", {..}) ("sep",) ("except",) ("range",) ("time", (hour, half)), or why unclear."""
    out: list[tuple[str, object]] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group()
        if kind == "sep":
            out.append(("sep", None))
        elif kind == "dash":
            out.append(("range", None))
        elif kind == "q":
            return "has a question mark in it, so it may be a guess"
        elif kind == "time":
            time = _TIME.match(value)
            if time is None:
                return f"cannot read “{value}” as a time"
            out.append(("time", _hour(time)))
        else:
            if value == "unclear" or value in _UNCLEAR_WORDS:
                return "is not clear enough to choose times from"
            if value in _SEP_WORDS:
                out.append(("sep", None))
            elif value in _DAY_WORDS:
                out.append(("day", {_DAY_WORDS[value]}))
            elif value in _DAY_GROUPS:
                out.append(("day", set(_DAY_GROUPS[value])))
            elif value in _PART_WORDS:
                out.append(("part", set(_PART_WORDS[value])))
            elif value in _EXCEPT:
                out.append(("except", None))
            elif value in ("after", "from", "since"):
                out.append(("after", None))
            elif value in ("before", "until", "till", "by"):
                out.append(("before", None))
            elif value in _RANGE_WORDS:
                out.append(("range", None))
            elif value in _FILLER:
                continue
            else:
                return f"has words we cannot read as days or times (“{value}”)"
    return out


def _fold_times(tokens: list[tuple[str, object]]) -> list[tuple[str, object]] | str:
    """Turn times, "after 6", "9-5" and "Mon - Thu" into day and part tokens."""
    out: list[tuple[str, object]] = []
    i = 0
    while i < len(tokens):
        kind, value = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else (None, None)
        after = tokens[i + 2] if i + 2 < len(tokens) else (None, None)
        if (kind == "day" and nxt[0] == "range" and after[0] == "day"
                and len(value) == 1 and len(after[1]) == 1):  # type: ignore[arg-type]
            first, last = min(value), min(after[1])  # type: ignore[arg-type]
            a, b = DAYS.index(first), DAYS.index(last)
            span = DAYS[a:b + 1] if a <= b else DAYS[a:] + DAYS[:b + 1]
            out.append(("day", set(span)))
            i += 3
            continue
        if kind == "time":
            (start, half) = value  # type: ignore[misc]
            if nxt[0] == "time":
                # "2 or 3 evenings" or "10 12": two numbers with no dash between.
                return "has numbers we cannot read as times"
            if nxt[0] == "range" and after[0] == "time":
                end, end_half = after[1]  # type: ignore[misc]
                if half is None and end_half is None:
                    start = start if start >= 7 else _bare_to_clock(start)
                    end = end + 12 if end <= start else end
                elif half is None:
                    start = start + 12 if end_half == "pm" and start + 12 < end else start
                elif end_half is None:
                    end = end + 12 if end <= start else end
                if end <= start:
                    return "has a time range that ends before it starts"
                out.append(("part", _parts_between(start, end)))
                i += 3
                continue
            hour = start if half else _bare_to_clock(start)
            prev = out[-1][0] if out else None
            if prev == "after":
                out[-1] = ("part", _parts_between(hour, 22))
            elif prev == "before":
                out[-1] = ("part", _parts_between(8, hour))
            else:
                out.append(("part", _parts_between(hour, hour + 0.5)))
            i += 1
            continue
        if kind == "range":
            i += 1  # a dash not between two days or times is punctuation
            continue
        out.append((kind, value))
        i += 1
    # "after" or "before" with no time ("before work") is filler by now.
    return [t for t in out if t[0] not in ("after", "before")]


def _pieces(tokens: list[tuple[str, object]]) -> list[_Piece]:
    pieces: list[_Piece] = []
    current = _Piece()
    last: str | None = None
    separated = excepting = False
    for kind, value in tokens:
        if kind == "sep":
            separated = True
            excepting = False
            continue
        if kind == "except":
            excepting = True
            continue
        assert isinstance(value, set)
        if excepting:
            (current.no_days if kind == "day" else current.no_parts).update(value)
            continue
        if last is not None and kind != last and (separated or current.has(kind)):
            pieces.append(current)
            current = _Piece()
        (current.days if kind == "day" else current.parts).update(value)
        last = kind
        separated = False
    pieces.append(current)
    return pieces


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("’", "'").replace("(", " ").replace(")", " ")
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    return text.replace("?unclear", "unclear")


def parse_availability(text: str, *, day: str | None = None) -> Availability:
    """Slots for a free-text answer. `day` is a grid row's label ("Monday") the cell belongs to."""
    raw = " ".join(text.split())
    if not raw:
        return Availability(())
    if len(raw) > 300:
        return Availability((), "is too long to read as days and times")
    cleaned = _clean(f"{day} {raw}" if day else raw)
    if _COUNT.search(cleaned):
        return Availability((), "says how many times, not which days or times")
    tokens = _tokens(cleaned)
    if isinstance(tokens, str):
        return Availability((), tokens)
    folded = _fold_times(tokens)
    if isinstance(folded, str):
        return Availability((), folded)
    if not any(kind in ("day", "part") for kind, _ in folded):
        return Availability((), "has no days or times in it")
    slots: set[str] = set()
    for piece in _pieces(folded):
        if piece.days or piece.parts or piece.no_days or piece.no_parts:
            slots |= piece.slots()
    if not slots:
        return Availability((), "leaves no times once the exceptions are taken out")
    return Availability(tuple(s for s in SLOTS if s in slots))


