"""The printable route sheet: A4, large type, the pickup at the top, each stop numbered in
visiting order with tick boxes, and a footer saying it holds personal data.

Some volunteers would rather carry paper than a phone. The sheet is made from values the view
has already opened through reveal(), so every print is on the access log.
"""

from __future__ import annotations

import logging
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from kith.directory.distance import in_miles

# DejaVu covers names in most scripts Kith's groups write in; Helvetica (Latin-1 only) is the
# fallback where the font is not installed, with other characters replaced.
# fpdf2 subsets fonts with fontTools, which logs every glyph at INFO: nothing for our logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/local/share/fonts")]
FOOTER = ("This sheet holds personal data. Keep it with you, show it to no one, "
          "and shred it after the run.")
OUTCOMES = ["Delivered", "Not home", "Returned"]
INK = (27, 27, 27)
NEXT_LINE = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT, "align": "L"}
MUTED = (80, 80, 80)


def _font_files() -> tuple[Path, Path] | None:
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            return regular, bold
    return None


class _Sheet(FPDF):
    def __init__(self, heading: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.heading = heading
        fonts = _font_files()
        if fonts:
            self.add_font("Body", "", str(fonts[0]))
            self.add_font("Body", "B", str(fonts[1]))
            self.body, self.wide = "Body", True
        else:
            self.body, self.wide = "Helvetica", False
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(auto=True, margin=24)
        self.set_title(heading)
        self.set_creator("Kith")

    def safe(self, value) -> str:
        value = str(value or "")
        return value if self.wide else value.encode("latin-1", "replace").decode("latin-1")

    def footer(self) -> None:
        self.set_y(-18)
        self.set_font(self.body, "B", 11)
        self.set_text_color(*INK)
        self.multi_cell(0, 5.5, self.safe(FOOTER), **{**NEXT_LINE, "align": "C"})
        self.set_font(self.body, "", 10)
        self.cell(0, 5, self.safe(f"{self.heading} · page {self.page_no()} of {{nb}}"),
                  align="C")


def _tick_boxes(pdf: _Sheet) -> None:
    pdf.set_font(pdf.body, "", 14)
    y = pdf.get_y() + 1
    x = pdf.l_margin
    for label in OUTCOMES:
        pdf.rect(x, y, 7, 7)
        pdf.set_xy(x + 9, y)
        pdf.cell(pdf.get_string_width(label) + 2, 7, pdf.safe(label))
        x += 9 + pdf.get_string_width(label) + 14
    pdf.set_y(y + 11)


def route_sheet(run, route, stops: list[dict]) -> bytes:
    """The sheet for one route. `stops` are dicts in visiting order with position, who,
    address, postcode and note, already revealed."""
    heading = f"{run.get_kind_display()} {run.date:%-d %B %Y}, route {route.position}"
    pdf = _Sheet(heading)
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_text_color(*INK)
    pdf.set_font(pdf.body, "B", 22)
    pdf.multi_cell(width, 10, pdf.safe(f"{run.get_kind_display()}: route {route.position}"),
                   **NEXT_LINE)
    pdf.set_font(pdf.body, "", 14)
    # A vacant route (its volunteer stood down) can still be printed for whoever takes it.
    who = (route.volunteer.display_name or route.volunteer.email if route.volunteer
           else "whoever takes it")
    pdf.multi_cell(width, 7, pdf.safe(
        f"For {who}, {run.date:%A %-d %B %Y}. {len(stops)} stop{'s' if len(stops) != 1 else ''}, "
        f"about {in_miles(route.length_m)}."), **NEXT_LINE)
    pdf.ln(3)
    # The pickup, boxed, so it is the first thing seen.
    top = pdf.get_y()
    pdf.set_x(pdf.l_margin + 4)
    pdf.set_font(pdf.body, "B", 16)
    pdf.multi_cell(width - 8, 8, pdf.safe(f"Pick up from: {run.pickup_name}"), **NEXT_LINE)
    pdf.set_x(pdf.l_margin + 4)
    pdf.set_font(pdf.body, "", 14)
    pdf.multi_cell(width - 8, 7, pdf.safe(f"{run.pickup_postcode} · for {run.partner_name}"),
                   **NEXT_LINE)
    pdf.set_line_width(0.8)
    pdf.rect(pdf.l_margin, top - 2, width, pdf.get_y() - top + 4)
    pdf.set_line_width(0.3)
    pdf.ln(8)
    for stop in stops:
        if pdf.get_y() > pdf.h - 24 - 46:  # keep each stop and its tick boxes together
            pdf.add_page()
        pdf.set_font(pdf.body, "B", 18)
        pdf.cell(14, 9, pdf.safe(f"{stop['position']}."))
        pdf.multi_cell(width - 14, 9, pdf.safe(stop["who"]), **NEXT_LINE)
        pdf.set_font(pdf.body, "", 15)
        pdf.set_x(pdf.l_margin + 14)
        pdf.multi_cell(width - 14, 7.5, pdf.safe(stop["address"]), **NEXT_LINE)
        pdf.set_x(pdf.l_margin + 14)
        pdf.set_font(pdf.body, "B", 15)
        pdf.multi_cell(width - 14, 7.5, pdf.safe(stop["postcode"]), **NEXT_LINE)
        if stop.get("note"):
            pdf.set_x(pdf.l_margin + 14)
            pdf.set_font(pdf.body, "", 13)
            pdf.set_text_color(*MUTED)
            pdf.multi_cell(width - 14, 6.5, pdf.safe(f"Note: {stop['note']}"), **NEXT_LINE)
            pdf.set_text_color(*INK)
        pdf.set_x(pdf.l_margin + 14)
        pdf.l_margin += 14
        _tick_boxes(pdf)
        pdf.l_margin -= 14
        pdf.set_draw_color(180, 180, 180)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.set_draw_color(*INK)
        pdf.ln(4)
    if not stops:
        pdf.set_font(pdf.body, "", 14)
        pdf.multi_cell(width, 7, pdf.safe("No stops on this route."), **NEXT_LINE)
    return bytes(pdf.output())
