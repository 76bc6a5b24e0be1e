"""A page's forms as a browser would post them, for tests that submit a page unchanged.

`forms_in(html)` reads every <form>: its method and action, and what pressing its first submit
button would send. It follows what browsers do (the HTML standard's "constructing the entry
list" and each input type's "value sanitization algorithm"), because that is where saved data
gets lost without any error: a date box given 02/12/2026 instead of 2026-12-02 shows nothing and
sends nothing; a <select> whose saved value is not among its options sends its first option;
a textarea sends its lines ending in CR LF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import urljoin

_FLOAT = re.compile(r"^-?(\d+(\.\d+)?|\.\d+)([eE][-+]?\d+)?$")
_DATE = re.compile(r"^\d{4,}-\d{2}-\d{2}$")
_LOCAL = re.compile(r"^(\d{4,}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(:\d{2}(\.\d{1,3})?)?$")
_TIME = re.compile(r"^(\d{2}):(\d{2})(:\d{2}(\.\d{1,3})?)?$")
NOT_SENT = {"submit", "image", "button", "reset", "file"}


def _valid_date(text: str) -> bool:
    if not _DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def sanitize(input_type: str, value: str) -> str:
    """What a browser holds for an <input type=input_type value=value>, as it would send it."""
    if input_type in ("text", "search", "tel", "password"):
        return value.replace("\r", "").replace("\n", "")
    if input_type in ("email", "url"):
        return value.replace("\r", "").replace("\n", "").strip(" \t\n\f\r")
    if input_type in ("number", "range"):
        return value if _FLOAT.match(value) else ""
    if input_type == "date":
        return value if _valid_date(value) else ""
    if input_type == "datetime-local":
        match = _LOCAL.match(value)
        if not match or not _valid_date(match.group(1)):
            return ""
        try:  # hours and minutes in range, and the shortest form the browser would send
            when = datetime.fromisoformat(value.replace(" ", "T"))
        except ValueError:
            return ""
        return when.isoformat(timespec="seconds" if when.second else "minutes")
    if input_type == "time":
        match = _TIME.match(value)
        return value if match and int(match.group(1)) < 24 and int(match.group(2)) < 60 else ""
    return value  # hidden, checkbox and radio values go as they are


@dataclass
class Form:
    method: str
    action: str
    entries: list[tuple[str, str]] = field(default_factory=list)
    submitters: list[dict] = field(default_factory=list)
    # Every named control, sent or not (an unticked box sends nothing but is still there).
    names: set[str] = field(default_factory=set)

    def submission(self) -> tuple[str, dict[str, list[str]]]:
        """(URL, data) for pressing the form's first submit button, as a browser sends it."""
        data: dict[str, list[str]] = {}
        for name, value in self.entries:
            data.setdefault(name, []).append(value)
        action = self.action
        if self.submitters:
            button = self.submitters[0]
            if button.get("name"):
                data.setdefault(button["name"], []).append(button.get("value") or "")
            action = button.get("formaction") or action
        return action, data


class _Reader(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: dict | None = None
        self.option: dict | None = None
        self.textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(method=(a.get("method") or "get").lower(),
                             action=urljoin(self.page_url, a.get("action") or self.page_url))
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        if tag in ("input", "select", "textarea") and a.get("name"):
            self.form.names.add(a["name"])
        if "disabled" in a:
            return  # a disabled control sends nothing
        if tag == "input":
            self._input(a)
        elif tag == "button" and (a.get("type") or "submit").lower() == "submit":
            self.form.submitters.append(a)
        elif tag == "select":
            self.select = {"name": a.get("name", ""), "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
            self.select["options"].append(self.option)
        elif tag == "textarea":
            self.textarea = {"name": a.get("name", ""), "text": ""}

    def _input(self, a: dict) -> None:
        kind = (a.get("type") or "text").lower()
        name = a.get("name", "")
        if kind in ("submit", "image"):
            self.form.submitters.append(a)
        elif kind in NOT_SENT or not name:
            return
        elif kind in ("checkbox", "radio"):
            if "checked" in a:
                self.form.entries.append((name, a.get("value", "on")))
        else:
            self.form.entries.append((name, sanitize(kind, a.get("value", ""))))

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            self._close_select()
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea["text"]
            text = text[1:] if text.startswith("\n") else text  # the parser drops that newline
            # Sent with CR LF line breaks, whatever the page had.
            text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\r\n")
            if self.form is not None and self.textarea["name"]:
                self.form.entries.append((self.textarea["name"], text))
            self.textarea = None

    def _close_select(self) -> None:
        select, self.select = self.select, None
        options = select["options"]
        for option in options:
            if option["value"] is None:
                option["value"] = " ".join(option["text"].split())
        chosen = [o for o in options if o["selected"]]
        if not select["multiple"]:
            # One box: the last option marked selected, else the first (what it shows).
            chosen = chosen[-1:] or options[:1]
        if self.form is not None and select["name"]:
            self.form.entries.extend((select["name"], o["value"]) for o in chosen)


def forms_in(html: str, page_url: str) -> list[Form]:
    reader = _Reader(page_url)
    reader.feed(html)
    reader.close()
    return reader.forms
