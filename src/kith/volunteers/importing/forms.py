"""The web import's forms: the upload, the column mapping, and the commit's choices."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from kith.volunteers.importing.adapter import read_upload
from kith.volunteers.importing.columns import FIELDS, SOURCES, check_mapping
from kith.volunteers.importing.report import MERGE, SKIP
from kith.volunteers.importing.table import Table, UnreadableFile

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_LABEL = "5 MB"
EXTENSIONS = {".csv": ",", ".tsv": "\t"}
TOO_BIG = (f"The file is bigger than {MAX_UPLOAD_LABEL}. Split it into smaller files, or ask "
           "whoever runs Kith to import it with the kith import volunteers command.")


class StopAfter(FileUploadHandler):
    """Stop reading an upload past the limit, so a huge file never fills the disk."""

    def __init__(self, request, limit: int = MAX_UPLOAD_BYTES):
        super().__init__(request)
        self.limit = limit
        self.seen = 0

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > self.limit:
            self.request.kith_upload_too_big = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


class UploadForm(forms.Form):
    file = forms.FileField(
        label="The export from your spreadsheet",
        help_text=f"A .csv or .tsv file, up to {MAX_UPLOAD_LABEL}.",
        error_messages={"required": "Choose the file to upload.",
                        "empty": "The file is empty."},
    )
    source = forms.ChoiceField(label="Where it comes from", choices=SOURCES,
                               widget=forms.RadioSelect, initial="google_forms")

    def __init__(self, *args, too_big: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_big = too_big
        self.data_bytes: bytes = b""
        self.table: Table | None = None

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = PurePath(upload.name or "").suffix.lower()
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(TOO_BIG)
        if suffix in (".xlsx", ".xls", ".ods", ".numbers"):
            raise forms.ValidationError(
                "That is a spreadsheet file, not a CSV. Download or save it as CSV "
                "(comma-separated values) and upload that."
            )
        if suffix not in EXTENSIONS:
            raise forms.ValidationError("Upload a .csv or .tsv file exported from your spreadsheet.")
        data = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(TOO_BIG)
        try:
            self.table = read_upload(data, hint=EXTENSIONS[suffix])
        except UnreadableFile as exc:
            raise forms.ValidationError(str(exc)) from None
        self.data_bytes = data
        return upload

    def full_clean(self):
        super().full_clean()
        if self.too_big and self.is_bound:
            self._errors.pop("file", None)
            self.add_error("file", TOO_BIG)


class MappingForm(forms.Form):
    """One choice per column: which Kith field it fills, or leave it out."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = headers
        for i, header in enumerate(headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=header, choices=FIELDS, initial=initial_mapping.get(header, "ignore"),
                widget=forms.Select(attrs={"aria-describedby": f"id_col_{i}_hint"}))

    def rows(self, table: Table):
        for i, header in enumerate(self.headers):
            yield {"field": self[f"col_{i}"], "header": header, "samples": table.samples(header)}

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        self.mapping = {h: cleaned[f"col_{i}"] for i, h in enumerate(self.headers)}
        for problem in check_mapping(self.mapping, self.headers):
            self.add_error(None, problem)
        return cleaned


class CommitForm(forms.Form):
    duplicates = forms.ChoiceField(
        label="People already on Kith", widget=forms.RadioSelect, initial=SKIP,
        choices=[(SKIP, "Skip them: leave their details as they are"),
                 (MERGE, "Merge those with the same email address: add them to this group as "
                         "volunteers and fill in any details they have not given")],
    )
    good_rows_only = forms.BooleanField(
        label="Import only the good rows, and leave out the rows with errors", required=False)
