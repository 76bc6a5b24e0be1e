"""Reading messy spreadsheet exports: the pure core of the volunteer import (no database).

Priya, who coordinates Golborne Road, has her volunteers in a Google Form, a hand-kept Sheet and
an Airtable base. Every export is messy in its own way; each problem must be found and reported
against its row and column, and nothing may crash.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.volunteers.importing import availability, columns, services, values
from kith.volunteers.importing.matching import Matcher
from kith.volunteers.importing.plan import Existing, make_plan
from kith.volunteers.importing.report import ERROR, LEFT_OUT, MERGE, NEW, NOTE, SKIP, WARNING
from kith.volunteers.importing.table import UnreadableFile, column_letter, read_table
from tests.conftest import examples

FIXTURES = Path(__file__).parent / "fixtures"


def read(data: bytes, **kwargs):
    return read_table(data, is_header=columns.looks_like_header, **kwargs)


def fixture(name: str):
    return read((FIXTURES / name).read_bytes())


def plan_for(table, existing=None, duplicates=SKIP, mapping=None):
    mapping = mapping or columns.guess_mapping(table.headers)[0]
    return make_plan(table, mapping, Matcher(), existing or Existing(), duplicates=duplicates)


def by_row(report):
    out: dict[int | None, list[tuple[str | None, str, str]]] = {}
    for p in report.problems:
        out.setdefault(p.row, []).append((p.column, p.level, p.message))
    return out


# --- the file itself ------------------------------------------------------------------------

def test_it_reads_a_google_forms_export_with_a_bom_blank_rows_and_a_newline_in_a_cell():
    table = fixture("google_forms_responses.csv")
    assert table.headers[0] == "Timestamp"  # the BOM is not part of the first header
    assert table.delimiter == "," and table.encoding == "utf-8"
    assert table.blank_rows == 1
    numbers = [n for n, _ in table.rows]
    assert numbers[:3] == [2, 4, 5]  # row 3 is blank; rows keep the spreadsheet's numbers
    ben = dict(zip(table.headers, table.rows[1][1], strict=True))
    assert ben["Anything else we should know?"].startswith("Happy to help.\nI have a dog")
    assert numbers[2] == 5  # the note's newline did not add a row


def test_it_reads_semicolons_windows_1252_a_title_row_and_a_repeated_header():
    table = fixture("google_sheets_semicolons.csv")
    assert table.delimiter == ";" and table.encoding == "cp1252"
    assert table.headers == ["Name", "E-mail", "Mobile", "Post code", "Skills", "Days free", "Car?",
                             "Notes", "E-mail (2)"]
    assert table.rows[0][0] == 3  # the title is row 1, the names row 2
    assert table.rows[0][1][0] == "Zoë Martin"
    notes = " ".join(table.notes)
    assert "Windows-1252" in notes and "semicolons" in notes
    assert "merged title row" in notes and "“E-mail (2)”" in notes


def test_it_reads_utf16_with_tabs_as_excel_unicode_text_writes_it():
    text = "Name\tEmail\r\nZoë\tzoe@example.org\r\n"
    table = read(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert table.delimiter == "\t" and table.encoding == "utf-16"
    assert table.rows == [(2, ["Zoë", "zoe@example.org"])]


def test_it_names_columns_with_no_header_and_drops_empty_trailing_ones():
    table = read(b"Name,,Email,,\nAnn,yes,ann@example.org,,\nBob,,bob@example.org,,\n")
    assert table.headers == ["Name", "Column B", "Email"]
    assert table.rows[0][1] == ["Ann", "yes", "ann@example.org"]


def test_it_reports_a_row_with_more_cells_than_headers_against_that_row():
    table = fixture("google_forms_grid.csv")
    assert list(table.row_problems) == [4]
    report = plan_for(table).report
    assert by_row(report)[4] == [(None, ERROR, table.row_problems[4][0])]


@pytest.mark.parametrize("data,says", [
    (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 100, "Excel workbook (.xlsx)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "older Excel workbook (.xls)"),
    (b"%PDF-1.7\n...", "a PDF"),
    (b"<!DOCTYPE html><html><body>Sheet</body></html>", "web page"),
    (b"\x89PNG\r\n\x1a\n", "an image"),
    (bytes(range(256)) * 4, "not a text file"),
    (b"", "empty"),
    (b"\n\n  \n", "empty"),
    (b"Name,Email\n", "no rows of answers"),
    (b'Name,Email\n"Ann,ann@example.org\nBob,bob@example.org\n' + b"x" * 140_000, "never closed"),
])
def test_it_refuses_what_is_not_a_csv_with_a_clear_message(data, says):
    with pytest.raises(UnreadableFile) as exc:
        read(data)
    assert says in str(exc.value)


@settings(max_examples=examples(200), deadline=None)
@given(st.binary(max_size=400))
def test_it_never_fails_on_any_bytes_except_to_say_it_cannot_read_them(data):
    try:
        table = read(data)
    except UnreadableFile as exc:
        assert str(exc)
    else:
        assert all(len(cells) == len(table.headers) for _, cells in table.rows)


def test_it_names_columns_as_spreadsheets_do():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]


# --- the columns ----------------------------------------------------------------------------

def test_it_guesses_each_source_s_columns_from_their_headers():
    forms = columns.guess_mapping(fixture("google_forms_responses.csv").headers)[0]
    assert list(forms.values()) == ["ignore", "email", "name", "phone", "postcode", "services",
                                    "availability", "languages", "transport", "radius",
                                    "weekly_cap", "notes", "consent"]
    sheets, notes = columns.guess_mapping(fixture("google_sheets_semicolons.csv").headers)
    assert sheets == {"Name": "name", "E-mail": "email", "Mobile": "phone", "Post code": "postcode",
                      "Skills": "services", "Days free": "availability", "Car?": "transport",
                      "Notes": "notes", "E-mail (2)": "ignore"}
    assert "“E-mail (2)” also looks like email address" in notes[0]
    airtable = columns.guess_mapping(fixture("airtable_volunteers.csv").headers)[0]
    assert airtable["Radius (km)"] == "radius" and airtable["Max tasks per week"] == "weekly_cap"
    assert airtable["Created"] == "ignore"
    grid = columns.guess_mapping(fixture("google_forms_grid.csv").headers)[0]
    assert grid["First name"] == "first_name" and grid["Last name"] == "last_name"
    assert grid["When are you free? [Monday]"] == grid["When are you free? [Saturday]"] == "availability"
    assert grid["What could you do?"] == "services"


def test_it_prefers_the_groups_remembered_choice_to_its_own_guess():
    headers = ["Name", "Email", "Skills"]
    mapping, _ = columns.guess_mapping(headers, remembered={"Skills": "languages", "Gone": "phone"})
    assert mapping == {"Name": "name", "Email": "email", "Skills": "languages"}


@pytest.mark.parametrize("mapping,problem", [
    ({"Name": "name", "Email": "ignore"}, "Choose the column with email addresses"),
    ({"Name": "email", "Email": "email"}, "are both email address"),
    ({"Name": "name", "Email": "email", "First": "first_name"}, "either a name column"),
    ({"Name": "sparkle", "Email": "email"}, "Unknown field"),
])
def test_it_says_what_is_wrong_with_a_mapping(mapping, problem):
    headers = list(mapping)
    assert any(problem in p for p in columns.check_mapping(mapping, headers))


def test_it_tells_a_google_forms_export_by_its_timestamp_column():
    assert columns.guess_source(["Timestamp", "Email address"]) == "google_forms"
    assert columns.guess_source(["Name", "Email"]) == "google_sheets"


# --- availability ---------------------------------------------------------------------------

WEEKDAY_EVES = ["mon_eve", "tue_eve", "wed_eve", "thu_eve", "fri_eve"]


@pytest.mark.parametrize("text,slots", [
    ("weekday evenings", WEEKDAY_EVES),
    ("Weekday evenings", WEEKDAY_EVES),
    ("evenings on weekdays", WEEKDAY_EVES),
    ("weekends only", ["sat_am", "sat_pm", "sat_eve", "sun_am", "sun_pm", "sun_eve"]),
    ("mornings", [f"{d}_am" for d in availability.DAYS]),
    ("Mon/Wed pm", ["mon_pm", "wed_pm"]),
    ("any time", availability.SLOTS),
    ("Anytime!", availability.SLOTS),
    ("Mon-Fri 9-5", [f"{d}_{p}" for d in availability.DAYS[:5] for p in ("am", "pm")]),
    ("Saturday morning and afternoon", ["sat_am", "sat_pm"]),
    ("Monday, Wednesday evenings", ["mon_eve", "wed_eve"]),
    ("mornings and weekends", sorted({f"{d}_am" for d in availability.DAYS}
                                     | {"sat_pm", "sat_eve", "sun_pm", "sun_eve"},
                                     key=availability.SLOTS.index)),
    ("Weekdays after 6pm & Saturday mornings", WEEKDAY_EVES + ["sat_am"]),
    ("10am - 2pm Tuesdays", ["tue_am", "tue_pm"]),
    ("evenings except Fridays", [s for s in WEEKDAY_EVES if s != "fri_eve"] + ["sat_eve", "sun_eve"]),
    ("Tues & Thurs after 5", ["tue_eve", "thu_eve"]),
    ("mon to thu evenings", WEEKDAY_EVES[:4]),
    ("Mon am, Tue pm", ["mon_am", "tue_pm"]),
    ("", []),
])
def test_it_turns_free_text_availability_into_slots(text, slots):
    result = availability.parse_availability(text)
    assert (list(result.slots), result.unclear) == (slots, None)


@pytest.mark.parametrize("text", ["after work?", "evenings?", "2 evenings a week", "depends on shifts",
                                  "school hours", "when the kids are at nursery", "ring me"])
def test_it_flags_availability_it_cannot_read_for_certain_and_guesses_nothing(text):
    result = availability.parse_availability(text)
    assert result.slots == () and result.unclear


def test_it_reads_a_grid_cell_with_its_row_s_day():
    result = availability.parse_availability("Morning, Evening", day="Monday")
    assert result.slots == ("mon_am", "mon_eve")


def test_it_keeps_the_same_slots_as_the_volunteer_model():
    from kith.volunteers.models import DAYS, PARTS, SLOTS

    assert (availability.DAYS, availability.PARTS, availability.SLOTS) == (DAYS, PARTS, SLOTS)


@settings(max_examples=examples(300), deadline=None)
@given(st.text(max_size=80))
def test_it_never_fails_on_any_availability_text(text):
    result = availability.parse_availability(text)
    assert set(result.slots) <= set(availability.SLOTS)
    assert not (result.slots and result.unclear)


# --- services, values -----------------------------------------------------------------------

@pytest.mark.parametrize("text,keys,unknown", [
    ("Shopping, Collecting prescriptions, Friendly phone calls and check-ins",
     ["shopping", "prescriptions", "befriending"], []),
    ("shopping & prescription runs, dog walks", ["shopping", "prescriptions", "dog_walking"], []),
    ("Food bank and lunch shifts, Hot meals", ["foodbank", "hot_meals"], []),
    ("Driving and lifts to appointments; admin", ["lifts", "phone_admin"], []),
    ("Gardening, Shopping", ["shopping"], ["Gardening"]),
    ("Other: sewing masks", [], ["sewing masks"]),
    ("", [], []),
])
def test_it_maps_free_text_services_to_the_catalogue_and_names_what_it_does_not_know(text, keys, unknown):
    assert services.parse_services(text) == (keys, unknown)


# The ways Google Forms options and typed answers commonly put it: each is one meaning, read
# whole, not word by word ("Collecting food bank parcels" is not also posting and errands).
@pytest.mark.parametrize("text,keys", [
    ("Collecting food bank parcels", ["foodbank"]),
    ("Delivering food parcels", ["foodbank"]),
    ("Making up food parcels", ["foodbank"]),
    ("Helping at the food bank", ["foodbank"]),
    ("Food bank volunteering", ["foodbank"]),
    ("Collecting parcels from the post office", ["posting"]),
    ("Posting mail", ["posting"]),
    ("Picking up shopping", ["shopping"]),
    ("Doing the weekly shop", ["shopping"]),
    ("Food shopping and delivery", ["shopping"]),
    ("Collecting and delivering shopping", ["shopping"]),
    ("Collecting and delivering prescriptions", ["prescriptions"]),
    ("Picking up prescriptions from the pharmacy", ["prescriptions"]),
    ("Collecting shopping/prescriptions", ["shopping", "prescriptions"]),
    ("Dog walking / pet care", ["dog_walking"]),
    ("A friendly chat on the phone", ["befriending"]),
    ("Cooking meals", ["hot_meals"]),
    ("Help with forms and benefits", ["advice"]),
    ("Translation", ["interpreting"]),
    ("Lifts to hospital appointments", ["lifts"]),
    ("Admin / IT support", ["phone_admin"]),
    ("Running errands", ["errands"]),
    ("Collecting", ["errands"]),
])
def test_it_reads_each_common_phrasing_as_one_meaning_not_its_words(text, keys):
    assert services.parse_services(text) == (keys, [])


def test_it_reads_every_catalogue_label_as_its_own_service_only():
    from kith.groups.catalogue import SERVICES

    assert {label: services.parse_services(label) for _, label in SERVICES} == {
        label: ([key], []) for key, label in SERVICES}


@pytest.mark.parametrize("raw", ["07911 123456", "07911123456", "+44 7911 123456", "+44 (0)7911 123456",
                                 "0044 7911 123456", "447911123456", "7911123456", "07911-123-456",
                                 "(07911) 123456", "7.911123456E+09", "07911123456.0",
                                 "Mobile: 07911 123456", " 07911 123456 "])
def test_it_reads_a_uk_mobile_in_every_format_spreadsheets_produce(raw):
    assert values.parse_phone(raw) == ("+447911123456", [])


@pytest.mark.parametrize("raw,level,says", [
    ("07911 123456 / 020 7946 0000", WARNING, "the first was kept"),
    ("not sure", ERROR, "digits only"),
    ("+1 212 555 0100", ERROR, "UK phone number"),
    ("0791112345", ERROR, "not a UK phone number in use"),
])
def test_it_says_what_is_wrong_with_a_phone_number(raw, level, says):
    _, issues = values.parse_phone(raw)
    assert issues[0][0] == level and says in issues[0][1]


@pytest.mark.parametrize("raw,value,level", [
    ("Bob@Example.ORG", "bob@example.org", None),
    ("<bob@example.org>", "bob@example.org", None),
    ("mailto:bob@example.org", "bob@example.org", None),
    ("", None, None),  # a phone number may do instead: the row decides (test_import_rows_...)
    ("bob@", None, ERROR),
    ("bob@example.org, sue@example.org", None, ERROR),
    ("bob@gmail.con", None, ERROR),
])
def test_it_reads_email_addresses(raw, value, level):
    email, issues = values.parse_email(raw)
    assert email == value
    assert (issues[0][0] if issues else None) == level


def test_it_keeps_a_postcode_a_sector_or_nothing_with_a_reason():
    assert values.parse_postcode("w105nw") == (("W10 5NW", "W10 5"), [])
    assert values.parse_postcode("W10 5")[0] == (None, "W10 5")
    assert values.parse_postcode("W10")[1][0][0] == WARNING
    (_, _), issues = values.parse_postcode("W1O 5NW")
    assert issues[0][0] == ERROR and "Did you mean W10 5NW?" in issues[0][1]


def test_it_drops_a_well_shaped_postcode_the_directory_lacks_and_guesses_no_area_for_it():
    from kith.places.postcodes import parse

    def placed(postcode):
        return postcode.text != "N20 0ZZ"  # as if the ONS directory lacked it

    assert values.parse_postcode("W10 5NW", placed) == (("W10 5NW", "W10 5"), [])
    for text, written in [("n20 0zz", "N20 0ZZ"), ("ZZ99 9ZZ", "ZZ99 9ZZ")]:
        (postcode, sector), [(level, message)] = values.parse_postcode(text, placed)
        assert (postcode, sector, level) == (None, "", WARNING)  # the row comes in, no area
        assert message == (f"{written} is not in the ONS postcode directory, so no area was "
                           "saved (none is guessed from it): ask them for their postcode.")
    assert placed(parse("W10 5NW"))


def test_it_reads_transport_radius_cap_and_languages_loosely():
    assert values.parse_transport("bike, bus")[0] == "public"
    assert values.parse_transport("Yes", "Car?")[0] == "car"
    assert values.parse_transport("No", "Car?") == (None, [])
    assert values.parse_transport("hovercraft")[1][0][0] == WARNING
    assert values.parse_radius("1 mile")[0] == 2 and values.parse_radius("500m")[0] == 1
    assert values.parse_radius("5 mins")[0] is None
    assert values.parse_weekly_cap("twice")[0] == 2 and values.parse_weekly_cap("2-3")[0] == 2
    assert values.parse_languages("Urdu (basic), bangla & english only")[0] == ["Urdu", "Bengali"]


# --- the plan and its report ----------------------------------------------------------------

def test_it_reports_each_problem_in_the_google_form_against_its_row_and_column():
    table = fixture("google_forms_responses.csv")
    report = plan_for(table).report
    rows = by_row(report)
    assert report.rows == 9 and report.blank_rows == 1
    # Row 5 is Amara again (email in capitals, phone without its +): the later row is the error.
    assert rows[5] == [("Email address", ERROR, "The same email address and phone number as row 2: "
                        "is this the same person twice? Remove one row, or import only the good rows "
                        "to keep row 2.")]
    assert ("Which of these could you help with? (tick all that apply)", WARNING,
            "“Gardening” is not one of the services Kith knows: left out.") in rows[6]
    assert any(col == "When are you usually free?" and level == WARNING and "“after work?”" in message
               for col, level, message in rows[6])
    assert rows[7][0][:2] == ("Email address", ERROR) and "jo.bloggs@gmail.com" in rows[7][0][2]
    assert "Did you mean W10 5NW?" in rows[9][0][2]
    assert report.error_rows == 3 and report.new == 6
    assert not report.can_commit(good_rows_only=False) and report.can_commit(good_rows_only=True)


def test_it_reads_each_good_row_into_catalogue_keys_and_slots():
    plan = plan_for(fixture("google_forms_responses.csv"))
    amara = plan.candidates[0]
    assert (amara.email, amara.name, amara.phone, amara.postcode, amara.sector) == (
        "amara.okafor@example.org", "Amara Okafor", "+447911123401", "W10 5NW", "W10 5")
    assert amara.services == ["shopping", "prescriptions"]
    assert amara.availability == WEEKDAY_EVES
    assert (amara.languages, amara.transport, amara.radius_km, amara.weekly_cap) == (
        ["English", "Igbo"], "car", 5, 2)
    dev = next(c for c in plan.candidates if c.email == "dev.patel@example.org")
    assert dev.phone == "+447911123405"  # the spreadsheet had dropped its leading 0
    assert [c.action for c in plan.candidates].count(LEFT_OUT) == 3


def test_it_reads_airtable_multi_selects_and_finds_two_people_on_one_phone():
    plan = plan_for(fixture("airtable_volunteers.csv"))
    ivy = plan.candidates[0]
    assert ivy.services == ["shopping", "dog_walking"]
    assert len(ivy.availability) == 5 + 6 and ivy.languages == ["English", "Mandarin"]
    rows = by_row(plan.report)
    assert rows[3] == [("Services", WARNING, "“Knitting” is not one of the services Kith knows: left out.")]
    assert rows[5][0][:2] == ("Phone", ERROR) and "same phone number as row 3" in rows[5][0][2]


def test_it_matches_people_already_on_kith_only_through_keyed_digests():
    table = fixture("airtable_volunteers.csv")
    matcher = Matcher()
    existing = Existing(by_email={matcher.email("IVY.CHEN@example.org"): 41},
                        by_phone={matcher.phone("+447911123422"): 42}, volunteers_here={41})
    mapping = columns.guess_mapping(table.headers)[0]
    plan = make_plan(table, mapping, matcher, existing, duplicates=MERGE)
    actions = {c.row: (c.action, c.person_id) for c in plan.candidates}
    # By email: merged, as asked. By phone alone: found, but never merged (nobody proves a phone).
    assert actions[2] == (MERGE, 41) and actions[4] == (SKIP, 42) and actions[3] == (NEW, None)
    rows = by_row(plan.report)
    assert ("Email", NOTE, "Already a volunteer in this group: their details here fill "
            "in any they have not given; their own choices are kept.") in rows[2]
    assert rows[4][0][:2] == ("Phone", NOTE)
    assert "merged only by email address, so this row will be skipped" in rows[4][0][2]
    report = plan.report
    assert (report.matched, report.already_here, report.will_merge, report.will_skip) == (2, 1, 1, 1)
    # Another import's key gives other digests: nothing matches.
    other = make_plan(table, mapping, Matcher(), existing, duplicates=MERGE)
    assert other.report.matched == 0


def test_it_refuses_a_row_whose_email_and_phone_are_two_different_people():
    table = read(b"Name,Email,Phone\nAnn,ann@example.org,07911 123456\n")
    matcher = Matcher()
    existing = Existing(by_email={matcher.email("ann@example.org"): 1},
                        by_phone={matcher.phone("+447911123456"): 2})
    plan = make_plan(table, columns.guess_mapping(table.headers)[0], matcher, existing)
    assert plan.candidates[0].action == LEFT_OUT
    assert "two different people" in plan.report.problems[0].message


def test_it_writes_the_report_as_csv_safe_to_open_in_a_spreadsheet():
    table = read(b"Name,Email\n=HYPERLINK(1),=cmd@example\n")
    report = plan_for(table).report
    text = report.as_csv()
    assert text.splitlines()[0] == "Row,Column,Level,Problem"
    assert "\n2,Email,Error,“=cmd@example” is not an email address." in text
    assert report.counts() == {"rows": 1, "blank_rows": 0, "new": 0, "wait_for_call": 0,
                               "merged": 0, "skipped": 0, "left_out": 1, "declined": 0, "flagged": 0,
                               "good_rows_only": False}


def test_a_row_wider_than_kith_reads_is_refused_but_empty_cells_at_its_end_are_not():
    from kith.volunteers.importing.table import MAX_COLUMNS, UnreadableFile, read_table

    trailing = b"Name,Email" + b"," * 5000 + b"\nAnn,ann@example.org\n"
    assert read_table(trailing).headers == ["Name", "Email"]
    wide = b"Name,Email\nAnn,ann@example.org," + b",".join(b"x" for _ in range(MAX_COLUMNS)) + b"\n"
    with pytest.raises(UnreadableFile, match=f"Row 2 has {MAX_COLUMNS + 2} columns"):
        read_table(wide)


# --- consent --------------------------------------------------------------------------------

@pytest.mark.parametrize("answer,agreed", [
    ("Yes", True), ("yes.", True), ("Y", True), ("I agree", True), ("Agreed", True),
    ("Yes, I agree to Golborne Road keeping my details", True), ("✓", True), ("TRUE", True),
    ("I'm happy for you to keep my details", True),
    ("No", False), ("no thanks", False), ("N", False), ("FALSE", False), ("I do not agree", False),
    ("I don't agree", False), ("Not happy with that", False),
    ("", None), ("maybe", None), ("ask me", None),
])
def test_it_reads_a_consent_answer_as_yes_no_or_neither(answer, agreed):
    value, issues = values.parse_consent(answer)
    assert value is agreed
    assert [level for level, _ in issues] == ([ERROR] if agreed is None else [])


def test_it_takes_the_question_about_keeping_details_as_consent_but_not_one_about_age():
    assert columns.guess_field("I agree to Golborne Road Neighbours keeping my details") == "consent"
    assert columns.guess_field("GDPR: can we store your data?") == "consent"
    assert columns.guess_field("I agree that I am over 18") == "ignore"


CONSENT_FILE = (
    b"Name,Email,Phone,Can we keep your details?\n"
    b"Ann Lee,ann@example.org,07911 123401,Yes\n"
    b"Bob Ray,bob@gmail.con,not sure,No\n"  # a refusal: nothing else on the row is read
    b"Cat Fox,cat@example.org,07911 123403,\n"
    b"Dan Orr,dan@example.org,07911 123404,No thanks\n"
    b"Dan Orr,dan@example.org,07911 123404,Yes\n"  # the same person said no on row 5
)


def test_it_leaves_out_a_row_that_said_no_to_keeping_their_details_without_blocking_the_rest():
    plan = plan_for(read(CONSENT_FILE))
    actions = {c.row: c.action for c in plan.candidates}
    assert actions == {2: NEW, 3: "declined", 4: LEFT_OUT, 5: "declined", 6: LEFT_OUT}
    rows = by_row(plan.report)
    # One line for a refusal, and nothing read from the row: not its slip of an email address.
    assert rows[3] == [("Can we keep your details?", "declined",
                        "Said no to the group keeping their details (“No”): left out, and not "
                        "emailed. Nothing from this row is saved.")]
    assert rows[4][0][:2] == ("Can we keep your details?", ERROR)
    assert "No answer to the question about keeping their details" in rows[4][0][2]
    assert rows[6][0][1] == ERROR and rows[6][0][2].startswith("Row 5, with the same email")
    # Refusals are not errors: they never hold the import back, and are never good rows.
    report = plan.report
    assert (report.declined, report.error_rows, report.good_rows, report.new) == (2, 2, 1, 1)
    assert report.counts()["declined"] == 2
    assert "2 said no to keeping their details (left out)" in report.summary()
    assert "Left out" in report.as_csv()
    assert all(c.email is None and c.phone is None for c in plan.candidates
               if c.action == "declined")  # their details are not kept, even in memory
