"""Importing volunteers from spreadsheet exports: Google Forms, Google Sheets and Airtable CSVs.

The pure core has no Django in it but `gettext` for its messages, so it is tested and
benchmarked on its own:

- `table.py`: bytes to a `Table` (refuses binary files; reads a BOM, UTF-16 or Windows-1252;
  sniffs commas, semicolons, tabs or bars; quoted newlines; blank rows; two-row and duplicated
  headers; rows numbered as the spreadsheet numbers them, the header being row 1);
- `columns.py`: the fields a column can fill and a guessed mapping from header names;
- `values.py`, `availability.py`, `services.py`: one cell to a clean value, or a problem to
  report against its row and column;
- `matching.py`: keyed hashes for finding the same person twice without keeping a list of
  everyone's email and phone in the clear;
- `plan.py`: rows to candidates, duplicates within the file and against Kith, and the report
  (`report.py`).

The Django edge: `adapter.py` (existing people's hashes, the commit in short batches, the
remembered mapping, the re-consent emails), `store.py` (the uploaded file kept between the
web pages, encrypted, under `VAR_DIR/imports`) and `runs.py` (the web import's commit as a
background job, and its progress).
"""
