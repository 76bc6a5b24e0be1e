"""Importing volunteers from a spreadsheet export: upload, choose columns, check, import.

Four steps, each a page under /g/<slug>/volunteers/import/ (permission `volunteers.import`,
coordinators):

1. upload: the file (.csv or .tsv, up to 5 MB) and where it comes from;
2. columns: which Kith field each column fills, guessed from the headers or remembered from
   this group's last import from the same source;
3. check: the dry run, row by row, with every problem against its row and column (all of them as
   a CSV with ?download=csv), and the choices for people already on Kith;
4. commit (POST): the import, in one transaction; then the re-consent emails.

Between steps the file is kept encrypted under VAR_DIR/imports (importing/store.py) and this
session remembers its random name, the source and the chosen columns. Pages answer with
`Cache-Control: no-store`: they show people's details.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kith.groups.access import group_view
from kith.volunteers.importing import store
from kith.volunteers.importing.adapter import (
    ImportRefused,
    default_mapping,
    import_volunteers,
    read_upload,
)
from kith.volunteers.importing.columns import FIELD_LABELS, SOURCE_LABELS
from kith.volunteers.importing.forms import (
    EXTENSIONS,
    MAX_UPLOAD_BYTES,
    MAX_UPLOAD_LABEL,
    CommitForm,
    MappingForm,
    StopAfter,
    UploadForm,
)
from kith.volunteers.importing.report import SKIP
from kith.volunteers.importing.table import UnreadableFile

PERMISSION = "volunteers.import"
SHOW_PROBLEMS = 500


def _key(group) -> str:
    return f"kith.volunteer_import.{group.pk}"


def _state(request, group) -> dict | None:
    state = request.session.get(_key(group))
    return state if isinstance(state, dict) and "token" in state else None


def _save_state(request, group, state: dict) -> None:
    request.session[_key(group)] = state


def _forget(request, group) -> None:
    state = _state(request, group)
    if state:
        store.delete(state["token"])
    request.session.pop(_key(group), None)


def _load(request, group, parse: bool = True):
    """(state, table, bytes) for the file this session uploaded; (None, None, None) if none."""
    state = _state(request, group)
    data = store.load(state["token"]) if state else None
    if state is None or data is None:
        if state is not None:
            request.session.pop(_key(group), None)
        return None, None, None
    if not parse:
        return state, None, data
    try:
        table = read_upload(data, hint=EXTENSIONS.get(state.get("suffix", ".csv")))
    except UnreadableFile:
        _forget(request, group)
        return None, None, None
    return state, table, data


def _nothing(request, group):
    return render(request, "volunteers/import/nothing.html", {"group": group})


def _content_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@csrf_exempt  # checked below, once the upload handlers are in place (Django's documented way)
@never_cache
@require_http_methods(["GET", "POST"])
@group_view(PERMISSION)
def upload(request, group):
    if request.method == "POST":
        if _content_length(request) > MAX_UPLOAD_BYTES + 64 * 1024:
            # Refused unread: nothing of it is parsed or kept, so there is nothing to protect.
            return _upload_page(request, group, UploadForm({}, too_big=True))
        request.upload_handlers.insert(0, StopAfter(request))
        return csrf_protect(_upload_post)(request, group)
    return _upload_page(request, group, UploadForm())


def _upload_page(request, group, form, status=200):
    return render(request, "volunteers/import/upload.html", {
        "group": group, "form": form, "waiting": _state(request, group),
        "source_labels": SOURCE_LABELS, "max_label": MAX_UPLOAD_LABEL,
    }, status=status)


def _upload_post(request, group):
    form = UploadForm(request.POST, request.FILES,
                      too_big=getattr(request, "kith_upload_too_big", False))
    if not form.is_valid():
        return _upload_page(request, group, form)
    _forget(request, group)
    upload_file = form.cleaned_data["file"]
    suffix = ".tsv" if upload_file.name.lower().endswith(".tsv") else ".csv"
    token = store.save(form.data_bytes)
    _save_state(request, group, {
        "token": token, "source": form.cleaned_data["source"], "suffix": suffix,
        "filename": upload_file.name[-80:], "mapping": None, "duplicates": SKIP,
    })
    return redirect("volunteers_import:columns", group.slug)


@never_cache
@require_http_methods(["GET", "POST"])
@group_view(PERMISSION)
def columns(request, group):
    state, table, _ = _load(request, group)
    if state is None:
        return _nothing(request, group)
    mapping, notes = (state["mapping"], []) if state.get("mapping") else \
        default_mapping(table, group, state["source"])
    form = MappingForm(request.POST or None, headers=table.headers, initial_mapping=mapping)
    if request.method == "POST" and form.is_valid():
        state["mapping"] = form.mapping
        _save_state(request, group, state)
        return redirect("volunteers_import:check", group.slug)
    return render(request, "volunteers/import/columns.html", {
        "group": group, "form": form, "rows": list(form.rows(table)), "state": state,
        "table": table, "notes": notes, "source_label": SOURCE_LABELS.get(state["source"], ""),
    })


@never_cache
@require_GET
@group_view(PERMISSION)
def check(request, group):
    state, _, data = _load(request, group, parse=False)
    if state is None:
        return _nothing(request, group)
    duplicates = state.get("duplicates", SKIP)
    try:
        outcome = import_volunteers(data, group=group, source=state["source"],
                                    mapping=state.get("mapping"), duplicates=duplicates,
                                    hint=EXTENSIONS.get(state.get("suffix", ".csv")))
    except (ImportRefused, UnreadableFile) as exc:
        messages.error(request, str(exc))
        return redirect("volunteers_import:columns", group.slug)
    report = outcome.plan.report
    if request.GET.get("download") == "csv":
        response = HttpResponse(report.as_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="import-problems.csv"'
        return response
    imported = [(h, FIELD_LABELS[f]) for h, f in outcome.mapping.items()
                if f not in ("ignore", "notes")]
    return render(request, "volunteers/import/check.html", {
        "group": group, "state": state, "report": report, "imported": imported,
        "problems": report.problems[:SHOW_PROBLEMS], "more": max(0, len(report.problems) - SHOW_PROBLEMS),
        "form": CommitForm(initial={"duplicates": duplicates}),
        "source_label": SOURCE_LABELS.get(state["source"], ""),
    })


@require_POST
@group_view(PERMISSION)
def commit(request, group):
    state, _, data = _load(request, group, parse=False)
    if state is None:
        messages.error(request, "There is no file waiting to be imported: upload it again.")
        return redirect("volunteers_import:upload", group.slug)
    form = CommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what to do with people already on Kith.")
        return redirect("volunteers_import:check", group.slug)
    duplicates = form.cleaned_data["duplicates"]
    state["duplicates"] = duplicates
    _save_state(request, group, state)
    try:
        outcome = import_volunteers(
            data, group=group, source=state["source"], mapping=state.get("mapping"),
            duplicates=duplicates, commit=True, good_rows_only=form.cleaned_data["good_rows_only"],
            acting_user=request.user, hint=EXTENSIONS.get(state.get("suffix", ".csv")),
        )
    except (ImportRefused, UnreadableFile) as exc:
        messages.error(request, str(exc))
        return redirect("volunteers_import:check", group.slug)
    _forget(request, group)
    messages.success(request, _done(outcome.plan.report, outcome.emailed))
    return redirect("volunteers_import:upload", group.slug)


def _done(report, emailed: int) -> str:
    """What the import did, in one message for the coordinator."""
    merged = f", {report.will_merge} already on Kith merged" if report.will_merge else ""
    skipped = f", {report.will_skip} already on Kith skipped" if report.will_skip else ""
    left_out = f", {report.error_rows} rows with errors left out" if report.error_rows else ""
    if report.declined:
        left_out += ngettext(", %(count)s row that said no to keeping their details left out",
                             ", %(count)s rows that said no to keeping their details left out",
                             report.declined) % {"count": report.declined}
    to_ring = ngettext(
        "%(count)s with a phone number only is marked “No email yet” on the list, for you to "
        "ring. ",
        "%(count)s with a phone number only are marked “No email yet” on the list, for you to "
        "ring. ", report.wait_for_call) % {"count": report.wait_for_call}
    return (
        f"Imported {report.new} new volunteer{'s' if report.new != 1 else ''}{merged}{skipped}"
        f"{left_out}. {emailed} {'people were' if emailed != 1 else 'person was'} "
        "emailed to confirm their details; nobody is asked to help until they do. "
        f"{to_ring if report.wait_for_call else ''}The uploaded file has been deleted."
    )


@require_POST
@group_view(PERMISSION)
def cancel(request, group):
    had = _state(request, group) is not None
    _forget(request, group)
    if had:
        messages.success(request, "The uploaded file has been deleted. Nothing was imported.")
    return redirect("volunteers_import:upload", group.slug)
