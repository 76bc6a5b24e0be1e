"""One spreadsheet cell to one clean value, or a reason it cannot be used.

Pure, apart from `kith.core.phones`, which raises Django's ValidationError: it is the one UK phone
normaliser, so an imported number is judged exactly as a typed one. Every parser returns
`(value, issues)`, each issue `(level, message)`: "error" keeps the row out of the import,
"warning" imports the row without that value (flagged in the report), "note" is for information.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kith.core.phones import normalise_uk_phone
from kith.core.text import describe, hidden_characters
from kith.places.postcodes import Postcode, PostcodeError, parse, parse_area, shaped_like_postcode

ERROR, WARNING, NOTE = "error", "warning", "note"
Issue = tuple[str, str]

NAME_MAX = 100
EMAIL_MAX = 254
RADIUS_DEFAULT, RADIUS_MAX = 2, 20  # the details form offers up to 20 km
CAP_DEFAULT, CAP_MAX = 3, 20  # and up to 20 tasks a week


def shown(text: str, width: int = 40) -> str:
    """A cell's text quoted for a message, cut short."""
    text = " ".join(text.split())
    return f"“{text if len(text) <= width else text[: width - 1] + '…'}”"


# --- names -----------------------------------------------------------------------------------

# What people type in a name box when they have no name to give: never a name.
_NO_NAME = {"", "-", "--", "?", "x", "n/a", "na", "none", "no name", "noname", "nameless",
            "unknown", "anon", "anonymous", "tbc", "tba", "."}


def parse_name(text: str) -> tuple[str, list[Issue]]:
    name = " ".join(unicodedata.normalize("NFKC", text).split())
    if name.casefold() in _NO_NAME:
        return "", [(WARNING, _("No name: imported as “Name not given”. Ask them their name; "
                                "they can also add it when they confirm their details."))]
    hidden = hidden_characters(name)
    if hidden:  # as the forms refuse them (core.formfields.validate_name); the row still comes in
        return "", [(WARNING, f"The name has a hidden character ({describe(hidden[0])}), "
                              "usually left by copying and pasting, so it was left out: add the "
                              "name by hand.")]
    if len(name) > NAME_MAX:
        return name[:NAME_MAX].rstrip(), [(WARNING, f"The name is longer than {NAME_MAX} "
                                                    "characters and was cut short.")]
    return name, []


# --- email -----------------------------------------------------------------------------------

_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)
# Slips common enough to catch: the invitation would bounce and nobody would know why.
_DOMAIN_SLIPS = {
    "gmail.con": "gmail.com", "gmail.co": "gmail.com", "gmial.com": "gmail.com",
    "gamil.com": "gmail.com", "gmail.co.uk": "gmail.com", "gmai.com": "gmail.com",
    "hotmail.con": "hotmail.com", "hotmial.com": "hotmail.com", "hotmail.co": "hotmail.co.uk",
    "yahoo.con": "yahoo.com", "yahoo.co": "yahoo.co.uk", "outlook.con": "outlook.com",
    "btinternet.con": "btinternet.com", "icloud.con": "icloud.com",
}
_MANY = re.compile(r"[\s,;]")


def parse_email(text: str) -> tuple[str | None, list[Issue]]:
    raw = unicodedata.normalize("NFKC", text).strip().strip("<>\"'").strip()
    if raw.lower().startswith("mailto:"):
        raw = raw[7:]
    if not raw:
        return None, []  # a phone number may do instead (plan.read_rows decides)
    email = raw.lower()
    if email.count("@") > 1 or (_MANY.search(email) and "@" in email):
        return None, [(ERROR, f"{shown(raw)} looks like more than one email address: keep one.")]
    if len(email) > EMAIL_MAX or not _EMAIL.match(email):
        return None, [(ERROR, f"{shown(raw)} is not an email address.")]
    domain = email.rsplit("@", 1)[1]
    if domain in _DOMAIN_SLIPS:
        fixed = email.rsplit("@", 1)[0] + "@" + _DOMAIN_SLIPS[domain]
        return None, [(ERROR, f"{shown(raw)}: did you mean {fixed}? Invitations to the address "
                              "as written would not arrive.")]
    return email, []


# --- phone -----------------------------------------------------------------------------------

_PHONE_LABEL = re.compile(r"^(tel|phone|mobile|mob|m|home|h|work|w|cell)\s*[:.]\s*", re.IGNORECASE)
_FLOAT_ZERO = re.compile(r"\d+\.0")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?e\+?\d+$", re.IGNORECASE)
_TWO_NUMBERS = re.compile(r"\s*(?:/|\bor\b|,|;|&|\band\b)\s*", re.IGNORECASE)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _repair_spreadsheet_number(text: str) -> str:
    """Undo what spreadsheets do to phone numbers stored as numbers."""
    if _SCIENTIFIC.match(text):  # 7.911123456E+09
        try:
            text = str(int(Decimal(text)))
        except (InvalidOperation, ValueError):
            return text
    if _FLOAT_ZERO.fullmatch(text):  # 7911123456.0
        text = text[:-2]
    if text.isdigit():
        if len(text) == 10 and text[0] in "123457":  # the leading 0 was dropped
            return "0" + text
        if len(text) == 12 and text.startswith("44"):  # the + was dropped
            return "+" + text
    return text


def parse_phone(text: str) -> tuple[str | None, list[Issue]]:
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        return None, []
    issues: list[Issue] = []
    candidate = _PHONE_LABEL.sub("", raw)
    parts = [p for p in _TWO_NUMBERS.split(candidate) if p.strip()]
    if len(parts) > 1 and all(len(_digits(p)) >= 9 for p in parts):
        candidate = parts[0]
        issues.append((WARNING, f"{shown(raw)} has more than one number: the first was kept."))
    candidate = _repair_spreadsheet_number(candidate.strip())
    try:
        return normalise_uk_phone(candidate), issues
    except ValidationError as exc:
        return None, [(ERROR, f"{shown(raw)}: {exc.messages[0]}")]


# --- postcode --------------------------------------------------------------------------------

Placed = Callable[[Postcode], bool]  # does the ONS directory hold this postcode, with its point?


def _not_in_directory(postcode: str) -> Issue:
    return (WARNING, _("%(postcode)s is not in the ONS postcode directory, so no area was saved "
                       "(none is guessed from it): ask them for their postcode.")
            % {"postcode": postcode})


def parse_postcode(text: str, placed: Placed | None = None
                   ) -> tuple[tuple[str | None, str], list[Issue]]:
    """((full postcode or None, sector or ""), issues). A sector alone is kept; a district is not.

    With `placed`, a full postcode the directory does not hold (W10 5NC: the right shape, a real
    sector, nobody's postcode) is dropped with a warning, sector and all: a slip in its last
    letters could as well be one in its sector, and a guessed area would send tasks to the
    wrong streets. Sign-up asks the same directory (`kith.directory.geocoding`)."""
    raw = text.strip()
    if not raw:
        return (None, ""), []
    try:
        postcode = parse(raw)
    except PostcodeError as exc:
        shaped = shaped_like_postcode(raw)
        if shaped is not None:  # ZZ99 9ZZ: laid out right, letters no postcode uses
            return (None, ""), [_not_in_directory(shaped)]
        try:
            area = parse_area(raw)
        except PostcodeError:
            message = str(exc)
            return (None, ""), [(ERROR, message if "“" in message else f"{shown(raw)}: {message}")]
        if " " in area:
            return (None, area), [(NOTE, f"Only the postcode sector ({area}) was given.")]
        return (None, ""), [(WARNING, f"Only the postcode district ({area}) was given: no area "
                                      "was saved. They can add their postcode when they confirm.")]
    if placed is not None and not placed(postcode):
        return (None, ""), [_not_in_directory(postcode.text)]
    return (postcode.text, postcode.sector), []


# --- lists -----------------------------------------------------------------------------------

_LIST_SPLIT = re.compile(r"\s*(?:[,;/\n|+&]|\band\b)\s*")
_LANGUAGE_NAMES = {
    "bengali": "Bengali", "bangla": "Bengali", "sylheti": "Sylheti", "urdu": "Urdu",
    "punjabi": "Punjabi", "panjabi": "Punjabi", "gujarati": "Gujarati", "hindi": "Hindi",
    "tamil": "Tamil", "arabic": "Arabic", "farsi": "Farsi", "persian": "Farsi", "dari": "Dari",
    "pashto": "Pashto", "kurdish": "Kurdish", "turkish": "Turkish", "somali": "Somali",
    "tigrinya": "Tigrinya", "amharic": "Amharic", "polish": "Polish", "romanian": "Romanian",
    "portuguese": "Portuguese", "spanish": "Spanish", "italian": "Italian", "french": "French",
    "german": "German", "russian": "Russian", "ukrainian": "Ukrainian", "lithuanian": "Lithuanian",
    "bulgarian": "Bulgarian", "greek": "Greek", "cantonese": "Cantonese",
    "mandarin": "Mandarin", "chinese": "Chinese", "vietnamese": "Vietnamese", "tagalog": "Tagalog",
    "yoruba": "Yoruba", "igbo": "Igbo", "twi": "Twi", "swahili": "Swahili", "welsh": "Welsh",
    "english": "English", "bsl": "British Sign Language", "british sign language":
    "British Sign Language", "sign language": "British Sign Language", "irish": "Irish",
    "gaelic": "Gaelic", "hebrew": "Hebrew", "japanese": "Japanese", "korean": "Korean",
}
_BRACKETED = re.compile(r"\s*\([^)]*\)\s*$")
_HOW_WELL = re.compile(r"^(a bit of|some|basic|fluent|conversational|a little)\s+")
_WORDS = re.compile(r"[a-z][a-z' -]*")
_NOT_A_LANGUAGE = {"none", "no", "n/a", "na", "nope", "just english", "english only", "only english",
                   "-", "nil", "nothing"}


def parse_languages(text: str) -> tuple[list[str], list[Issue]]:
    cell = " ".join(unicodedata.normalize("NFKC", text).split())
    if not cell or cell.casefold() in _NOT_A_LANGUAGE:
        return [], []
    out: list[str] = []
    issues: list[Issue] = []
    for piece in _LIST_SPLIT.split(cell):
        word = _BRACKETED.sub("", piece.casefold())  # "Urdu (basic)"
        word = _HOW_WELL.sub("", word)
        word = word.strip(" .()'\"")
        if not word or word in _NOT_A_LANGUAGE:
            continue
        name = _LANGUAGE_NAMES.get(word)
        if name is None:
            if len(word) > 30 or not _WORDS.fullmatch(word):
                issues.append((WARNING, f"{shown(piece)} is not a language we recognise: left out."))
                continue
            name = word.title()
        if name not in out:
            out.append(name)
    return out, issues


# --- transport -------------------------------------------------------------------------------

_TRANSPORT = [  # the furthest-reaching first: one value is kept
    ("car", re.compile(r"\b(car|cars|drive|driver|driving|van|vehicle|motor ?bike|scooter)\b")),
    ("public", re.compile(r"\b(bus|buses|train|trains|tube|underground|overground|public|"
                          r"oyster|tram|dlr)\b")),
    ("bike", re.compile(r"\b(bike|bikes|bicycle|cycle|cycling|cyclist|e-?bike)\b")),
    ("foot", re.compile(r"\b(foot|walk|walking|walker|on foot|pram)\b")),
]
_NO = re.compile(r"^(no|none|n/?a|nope|-)\.?$")
_YES = re.compile(r"^(yes|y|yep|yeah|true)\b")
_NEGATED = re.compile(r"\b(no|not|don't|dont|do not|can't|cannot|without)\s+(a\s+|own\s+|have\s+a\s+)?"
                      r"(car|drive|driving|bike|cycle|vehicle)\b")


def parse_transport(text: str, header: str = "") -> tuple[str | None, list[Issue]]:
    """One way of getting about. A bare "Yes" reads the header ("Car?", "Do you cycle?")."""
    cell = " ".join(text.casefold().split())
    if not cell or _NO.match(cell):
        return None, []
    if _YES.match(cell):
        cell = " ".join(header.casefold().split())
    cell = _NEGATED.sub(" ", cell)
    for value, pattern in _TRANSPORT:
        if pattern.search(cell):
            return value, []
    return None, [(WARNING, f"{shown(text)} is not a way of getting about we recognise (on foot, "
                            "bike, bus or train, car): left as on foot.")]


# --- consent ---------------------------------------------------------------------------------

# A yes must be a clear yes (the law asks for a clear act, and Forms' tick-box gives its own
# words: "I agree", "Yes, I'm happy for you to keep my details"). An answer starting with a no is
# a refusal; anything else, or no answer, is neither.
_END = r"(?!\w)"
_CONSENT_NO = re.compile(r"^(no|n|nope|nah|false|0|disagree|i disagree|declined?|i decline|"
                         r"refused?|i refuse|not (happy|ok|okay|really)|i( do|'m|m| am)? not|"
                         r"i don'?t|do not|don'?t|withdrawn?|opt(ed)? out)" + _END)
_CONSENT_YES = re.compile(r"^(yes|y|yep|yeah|yup|true|1|ok|okay|agree[ds]?|i agree|i consent|"
                          r"consent(ed)?|happy|i'?m happy|i am happy|accept(ed)?|i accept|"
                          r"confirm(ed)?|i confirm|i understand|ticked|checked|x|✓|✔|☑|☒)" + _END)
_AGREEING = re.compile(r"\b(agree[ds]?|consent(ed)?|happy|accept)\b")
_NEGATION = re.compile(r"\b(not|don'?t|never|dis\w+|withdraw\w*|refuse\w*|no)\b")


def parse_consent(text: str) -> tuple[bool | None, list[Issue]]:
    """Did they agree to the group keeping their details? True, False, or None (not clearly):
    the caller leaves out a False row without more ado, and holds back a None row as an error."""
    cell = " ".join(unicodedata.normalize("NFKC", text).casefold().split()).strip(" .!,")
    if not cell:
        return None, [(ERROR, _("No answer to the question about keeping their details: without "
                                "a yes the row cannot be imported. If they agreed, write Yes in "
                                "the cell and check the file again; if not, import only the good "
                                "rows."))]
    if _CONSENT_NO.match(cell):
        return False, []
    if _CONSENT_YES.match(cell) or (_AGREEING.search(cell) and not _NEGATION.search(cell)):
        return True, []
    return None, [(ERROR, _("%(answer)s is not a clear yes to keeping their details: without one "
                            "the row cannot be imported. If they agreed, write Yes in the cell and "
                            "check the file again; if not, import only the good rows.")
                   % {"answer": shown(text)})]


# --- numbers ---------------------------------------------------------------------------------

_NUMBER = re.compile(r"(\d+(?:\.\d+)?)")
_WORD_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "once": 1, "twice": 2, "a couple": 2,
                 "half a": 0.5, "half": 0.5}

_NUMBER_WORDS = re.compile(r"\b(" + "|".join(sorted(_WORD_NUMBERS, key=len, reverse=True)) + r")\b")
_LETTERS = re.compile(r"[a-z]")
_RANGE = re.compile(r"\d\s*(-|–|to|or)\s*\d")
_MILES = re.compile(r"\b(mi|mile|miles)\b")
_METRES = re.compile(r"\d\s*m\b|\bmetres?\b|\bmeters?\b")
_MINUTES = re.compile(r"\b(min|mins|minutes?)\b")
_RARELY = re.compile(r"\b(month|fortnight)\b")


def _first_number(cell: str) -> tuple[float | None, bool]:
    """The first number in `cell`, and whether it was a range ("2-3")."""
    if _LETTERS.search(cell):
        cell = _NUMBER_WORDS.sub(lambda m: str(_WORD_NUMBERS[m.group(1)]), cell)
    numbers = _NUMBER.findall(cell)
    if not numbers:
        return None, False
    is_range = len(numbers) > 1 and bool(_RANGE.search(cell))
    return float(numbers[0]), is_range


RADIUS_STEPS = (1, 2, 5, 10, 20)  # the choices on the volunteer's details form


def parse_radius(text: str) -> tuple[int | None, list[Issue]]:
    cell = " ".join(text.casefold().split())
    if not cell:
        return None, []
    value, is_range = _first_number(cell)
    if value is None:
        return None, [(WARNING, f"{shown(text)} is not a distance: the usual {RADIUS_DEFAULT} km "
                                "was kept.")]
    if _MILES.search(cell):
        km = value * 1.609
    elif _METRES.search(cell) and value >= 50:
        km = value / 1000
    elif _MINUTES.search(cell):
        return None, [(WARNING, f"{shown(text)} is a time, not a distance: the usual "
                                f"{RADIUS_DEFAULT} km was kept.")]
    else:
        km = value
    issues: list[Issue] = []
    if is_range:
        issues.append((NOTE, f"{shown(text)} is a range: the smaller figure was used."))
    km_int = max(1, round(km))
    if km_int > RADIUS_MAX:
        issues.append((WARNING, f"{shown(text)} is further than {RADIUS_MAX} km: {RADIUS_MAX} was used."))
        km_int = RADIUS_MAX
    # The details form offers only these distances; keep to what they said, never more.
    allowed = max(r for r in RADIUS_STEPS if r <= km_int)
    if allowed != km_int:
        issues.append((NOTE, f"{shown(text)}: {allowed} km was used, the nearest choice below."))
    return allowed, issues


def parse_weekly_cap(text: str) -> tuple[int | None, list[Issue]]:
    cell = " ".join(text.casefold().split())
    if not cell:
        return None, []
    value, is_range = _first_number(cell)
    if value is None:
        return None, [(WARNING, f"{shown(text)} is not a number of tasks: the usual "
                                f"{CAP_DEFAULT} a week was kept.")]
    if _RARELY.search(cell):
        return 1, [(NOTE, f"{shown(text)} is less than once a week: 1 a week was used.")]
    issues: list[Issue] = []
    if is_range:
        issues.append((NOTE, f"{shown(text)} is a range: the smaller figure was used."))
    cap = int(value)
    if cap < 1:
        issues.append((NOTE, f"{shown(text)}: at least 1 a week was used."))
        cap = 1
    if cap > CAP_MAX:
        issues.append((WARNING, f"{shown(text)} is more than {CAP_MAX}: {CAP_MAX} was used."))
        cap = CAP_MAX
    return cap, issues
