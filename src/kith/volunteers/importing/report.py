"""The dry run's findings: counts, and each problem against its row and column. No Django.

A problem's level says what happens to its row:

- "error": the row cannot be imported as it is. Nothing is imported while any row has an error,
  unless the coordinator chooses to import only the good rows.
- "warning": the row is imported without that one value (an unknown service, availability we
  cannot read for certain, a language we do not know); the volunteer fills it in when they
  confirm their details.
- "note": for information (a range read as its smaller figure, someone already on Kith).
- "declined": the row said no to the group keeping their details. It is left out whatever the
  coordinator chooses, never blocks the others, and nobody on it is emailed.

Messages quote what the cell says, so the report holds personal data: it is shown to the
coordinator who uploaded the file and never stored. The audit row gets `counts()` only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

ERROR, WARNING, NOTE, DECLINED = "error", "warning", "note", "declined"
LEVEL_LABELS = {ERROR: "Error", WARNING: "Warning", NOTE: "Note", DECLINED: _("Left out")}
# What happens to a row; DECLINED is also the action of a row that said no.
NEW, MERGE, SKIP, LEFT_OUT = "new", "merge", "skip", "left_out"


@dataclass(frozen=True, slots=True)
class Problem:
    row: int | None  # None: about the whole file
    column: str | None
    level: str
    message: str

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])


@dataclass
class Report:
    rows: int = 0  # answer rows (blank rows not counted)
    blank_rows: int = 0
    new: int = 0
    wait_for_call: int = 0  # ...of whom have a phone number only: not emailed, they wait for a call
    matched: int = 0  # rows that are someone already on Kith
    already_here: int = 0  # ...of whom are volunteers in this group already
    merging: int = 0  # ...to be merged, as the coordinator chose (by email; not people who left)
    error_rows: int = 0
    warning_rows: int = 0
    declined: int = 0  # rows that said no to keeping their details: always left out
    duplicates: str = SKIP  # what happens to `matched` rows: MERGE or SKIP
    problems: list[Problem] = field(default_factory=list)
    file_notes: list[str] = field(default_factory=list)

    @property
    def good_rows(self) -> int:
        return self.rows - self.error_rows - self.declined

    @property
    def will_merge(self) -> int:
        return self.merging if self.duplicates == MERGE else 0

    @property
    def will_skip(self) -> int:
        return self.matched - self.will_merge

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    def can_commit(self, good_rows_only: bool) -> bool:
        if self.rows == 0 or (self.error_rows and not good_rows_only):
            return False
        return self.new + self.will_merge > 0

    def counts(self, *, good_rows_only: bool = False) -> dict[str, int | str | bool]:
        """Numbers only: what the audit row records."""
        # No key may name a phone or an email: the audit trail masks such keys' values.
        return {"rows": self.rows, "blank_rows": self.blank_rows, "new": self.new,
                "wait_for_call": self.wait_for_call, "merged": self.will_merge,
                "skipped": self.will_skip, "left_out": self.error_rows, "declined": self.declined,
                "flagged": self.warning_rows, "good_rows_only": good_rows_only}

    def summary(self) -> str:
        parts = [f"{self.rows} row{'s' if self.rows != 1 else ''} read"]
        if self.blank_rows:
            parts.append(f"{self.blank_rows} blank skipped")
        parts.append(f"{self.new} new volunteer{'s' if self.new != 1 else ''}")
        if self.wait_for_call:
            parts.append(_("%(count)s with a phone number only (not emailed)")
                         % {"count": self.wait_for_call})
        if self.will_merge:
            parts.append(f"{self.will_merge} already on Kith (merged)")
        if self.will_skip:
            parts.append(f"{self.will_skip} already on Kith (skipped)")
        if self.declined:
            parts.append(_("%(count)s said no to keeping their details (left out)")
                         % {"count": self.declined})
        if self.error_rows:
            parts.append(f"{self.error_rows} with errors")
        if self.warning_rows:
            parts.append(f"{self.warning_rows} with warnings")
        return ", ".join(parts) + "."

    def as_csv(self) -> str:
        """Every problem, for the coordinator to work through in their spreadsheet."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["Row", "Column", "Level", "Problem"])
        for p in self.problems:
            writer.writerow([p.row or "", _safe_cell(p.column or ""), p.level_label,
                             _safe_cell(p.message)])
        return out.getvalue()

    def as_text(self, limit: int | None = 50) -> str:
        lines = [self.summary()]
        lines += [f"  {note}" for note in self.file_notes]
        shown = self.problems if limit is None else self.problems[:limit]
        for p in shown:
            where = f"Row {p.row}" if p.row else "File"
            if p.column:
                where += f", {p.column}"
            lines.append(f"  {where}: {p.level_label}: {p.message}")
        if limit is not None and len(self.problems) > limit:
            lines.append(f"  … and {len(self.problems) - limit} more (--report FILE writes them all).")
        return "\n".join(lines)


def _safe_cell(text: str) -> str:
    """Stop a spreadsheet reading a message that starts with = + - @ as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
