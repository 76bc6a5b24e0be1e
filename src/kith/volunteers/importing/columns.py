"""The volunteer fields a spreadsheet column can fill, and a first guess from its header. No Django.

A file needs an email or a phone column: a WhatsApp group's list often has phone numbers only.

Google Forms headers are whole questions ("Which of these could you help with? (tick all that
apply)"), Sheets headers are short ("Mobile", "Skills"), Airtable's are field names ("Max tasks
per week"). The guess reads keywords in a fixed order, so "How far are you happy to travel?" is
a radius before it is transport, and "Roughly how many tasks a week?" a weekly cap before it is
a service. The coordinator checks the guess on the mapping page; their choice is remembered per
group and source (`ImportMapping`) and wins over the guess next time.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

SOURCES: list[tuple[str, str]] = [
    ("google_forms", "Google Forms (responses sheet)"),
    ("google_sheets", "Google Sheets"),
    ("airtable", "Airtable"),
]
SOURCE_LABELS = dict(SOURCES)

IGNORE = "ignore"
FIELDS: list[tuple[str, str]] = [
    (IGNORE, "Leave out"),
    ("name", "Name"),
    ("first_name", "First name"),
    ("last_name", "Last name"),
    ("email", "Email address"),
    ("phone", "Phone"),
    ("postcode", "Postcode"),
    ("services", "What they can help with"),
    ("availability", "When they are free"),
    ("languages", "Languages"),
    ("transport", "How they get about"),
    ("radius", "How far they will go"),
    ("weekly_cap", "Most tasks a week"),
    ("consent", _("Agreed we may keep their details")),
    ("notes", "Notes (not imported)"),
]
FIELD_LABELS = dict(FIELDS)
# Filled by one column at most. Services, availability and languages may gather several columns
# (a Forms grid question gives one column per day: "When are you free? [Monday]").
SINGLE = {"name", "first_name", "last_name", "email", "phone", "postcode", "transport", "radius",
          "weekly_cap", "consent"}
# Free text about a person (health, circumstances) stays in the group's spreadsheet: Kith has no
# sealed field for it, so a notes column is recognised only to be left out on purpose.
NOT_IMPORTED = {IGNORE, "notes"}


def _rx(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")


# In order: the first rule that matches a header names its field.
RULES: list[tuple[str, re.Pattern[str]]] = [
    # Age and checks first: "I agree I am over 18" is not about keeping their details.
    (IGNORE, _rx("dbs", "date of birth", "dob", "age", "over 18", "under 18")),
    # The question asking to keep their details: a "No" there keeps the row out of Kith.
    ("consent", _rx("consent", "consents", "agree", "agreed", "gdpr", "data protection",
                    "privacy", r"keep(ing)? (my|your|their) (details|data|information)",
                    r"stor(e|ing) (my|your|their)", "permission")),
    (IGNORE, _rx("timestamp", "submitted", "submission", "created", "last modified", "record id",
                 "id", "terms", "score")),
    ("email", _rx("e ?mail", "email address", "e mail address", "emails?")),
    ("phone", _rx("phone", "telephone", "tel", "mobile", "mob", "cell", "contact number",
                  "whatsapp", "phone number")),
    ("postcode", _rx("post ?code", "postal code", "zip", "zip code")),
    ("first_name", _rx("first name", "forename", "given name")),
    ("last_name", _rx("last name", "surname", "family name", "second name")),
    ("radius", _rx("how far", "distance", "radius", "miles?", "km", "travel distance")),
    ("weekly_cap", _rx("per week", "a week", "each week", "how many", "max tasks", "how often",
                       "tasks per week", "capacity", "cap")),
    ("languages", _rx("languages?", "speak", "spoken")),
    ("transport", _rx("transport", "get around", "get about", "travel by", "car", "vehicle",
                      "bike", "drive", "driver", "driving licen[cs]e")),
    ("notes", _rx("notes?", "comments?", "anything else", "other information", "about you",
                  "about yourself", "medical", "health", "access needs")),
    ("availability", _rx("availability", "available", "free", "when", "days?", "times?",
                         "hours")),
    ("services", _rx("help with", "help", "services?", "skills?", "offer", "tasks?", "roles?",
                     "volunteer for", "interests?", "(can|could) you do", "activities")),
    ("name", _rx("name", "full name", "your name", "names?")),
]

_BRACKET = re.compile(r"\[([^\]]+)\]\s*$")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(header: str) -> str:
    """Lower case, words only: "E-mail Address:" -> "e mail address"."""
    return " ".join(_NON_WORD.sub(" ", header.casefold()).split())


def guess_field(header: str) -> str:
    text = normalise(header)
    for name, pattern in RULES:
        if pattern.search(text):
            return name
    return IGNORE


def looks_like_header(text: str) -> bool:
    """True if this cell reads like a column name we would map (used to spot a title row)."""
    return guess_field(text) != IGNORE or normalise(text) in {"timestamp", "notes"}


def bracket_day(header: str) -> str | None:
    """The row label of a Google Forms grid column: "When are you free? [Monday]" -> "Monday"."""
    match = _BRACKET.search(header)
    return match.group(1).strip() if match else None


def guess_mapping(headers: list[str], remembered: dict[str, str] | None = None
                  ) -> tuple[dict[str, str], list[str]]:
    """A field for every header, and notes on what was guessed.

    A remembered choice for a header wins. A field for one column only goes to the first column
    that claims it; a later one is left out with a note (two "Email" columns, say).
    """
    remembered = remembered or {}
    mapping: dict[str, str] = {}
    notes: list[str] = []
    taken: dict[str, str] = {}
    for header in headers:
        field = remembered.get(header)
        if field not in FIELD_LABELS:
            field = guess_field(header)
        if field in SINGLE:
            if field in taken:
                notes.append(f"“{header}” also looks like {FIELD_LABELS[field].lower()}, which "
                             f"“{taken[field]}” already fills: it is left out unless you choose.")
                field = IGNORE
            else:
                taken[field] = header
        mapping[header] = field
    return mapping, notes


def check_mapping(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """What is wrong with a chosen mapping, in words for the coordinator; empty if it will do."""
    errors = []
    unknown = sorted({f for f in mapping.values() if f not in FIELD_LABELS})
    if unknown:
        errors.append(f"Unknown field: {', '.join(unknown)}.")
    missing = [h for h in mapping if h not in headers]
    if missing:
        errors.append(f"No column called {', '.join(f'“{h}”' for h in missing)} in this file.")
    used: dict[str, list[str]] = {}
    for header in headers:
        used.setdefault(mapping.get(header, IGNORE), []).append(header)
    if "email" not in used and "phone" not in used:
        errors.append(str(_("Choose the column with email addresses or phone numbers: each "
                            "volunteer needs one for the group to reach them.")))
    for field in sorted(SINGLE & set(used)):
        if len(used[field]) > 1:
            cols = " and ".join(f"“{h}”" for h in used[field])
            errors.append(f"{cols} are both {FIELD_LABELS[field].lower()}: choose one.")
    if "name" in used and ({"first_name", "last_name"} & set(used)):
        errors.append("Choose either a name column or first and last name columns, not both.")
    return errors


def guess_source(headers: list[str]) -> str:
    """Google Forms exports start with "Timestamp"; Airtable's are hard to tell from Sheets'."""
    if headers and normalise(headers[0]) == "timestamp":
        return "google_forms"
    return "google_sheets"
