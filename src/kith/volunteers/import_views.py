"""Importing volunteers from a spreadsheet export: upload, choose columns, check, import.

Four steps, each a page under /g/<slug>/volunteers/import/ (permission `volunteers.import`,
coordinators):

1. upload: the file (.csv or .tsv, up to 5 MB) and where it comes from;
2. columns: which Kith field each column fills, guessed from the headers or remembered from
   this group's last import from the same source;
3. check: the dry run, row by row, with every problem against its row and column (all of them as
   a CSV with ?download=csv), and the choices for people already on Kith;
4. commit (POST): hands the import to the worker (importing/runs.py) and redirects at once to
5. the run's page, which shows its progress (htmx polls it) and then what it did or why it stopped.
   The worker writes in short batches, each queueing its re-consent emails.

Between steps the file is kept encrypted under VAR_DIR/imports (importing/store.py) and this
session remembers its random name, the source and the chosen columns. Pages answer with
`Cache-Control: no-store`: they show people's details.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kith.groups.access import group_view
from kith.volunteers.importing import runs, store
from kith.volunteers.importing.adapter import (
    ImportRefused,
    default_mapping,
    import_volunteers,
    read_upload,
    refusal,
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
from kith.volunteers.importing.report import SKIP, Report
from kith.volunteers.importing.table import UnreadableFile
from kith.volunteers.models import ImportRun

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
    runs.settle_stale(ImportRun.objects.filter(group=group))
    return render(request, "volunteers/import/upload.html", {
        "group": group, "form": form, "waiting": _state(request, group),
        "running": ImportRun.objects.filter(group=group, state__in=ImportRun.ACTIVE)
        .order_by("pk"),
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
    state["checked"] = {"rows": report.rows, "new": report.new, "error_rows": report.error_rows,
                        "merging": report.merging, "matched": report.matched}
    _save_state(request, group, state)
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
    """Hand the import to the worker and show its progress: the page never waits for it."""
    state, _, data = _load(request, group, parse=False)
    if state is None:
        if (mine := _my_active_run(request, group)) is not None:  # a second click on "Import"
            messages.info(request, gettext("Your import is already under way."))
            return redirect("volunteers_import:run", group.slug, mine.pk)
        messages.error(request, "There is no file waiting to be imported: upload it again.")
        return redirect("volunteers_import:upload", group.slug)
    form = CommitForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose what to do with people already on Kith.")
        return redirect("volunteers_import:check", group.slug)
    duplicates = form.cleaned_data["duplicates"]
    good_rows_only = form.cleaned_data["good_rows_only"]
    state["duplicates"] = duplicates
    _save_state(request, group, state)
    refused = _refused_by_check(state, duplicates, good_rows_only)
    if refused:
        messages.error(request, refused)
        return redirect("volunteers_import:check", group.slug)
    try:
        run = runs.start(group=group, user=request.user, data=data, source=state["source"],
                         suffix=state.get("suffix", ".csv"), filename=state.get("filename", ""),
                         mapping=state.get("mapping"), duplicates=duplicates,
                         good_rows_only=good_rows_only)
    except runs.AlreadyRunning as exc:
        _forget(request, group)
        messages.info(request, gettext(
            "This file is already being imported into the group, so it was not started again. "
            "Here is how that import is going."))
        return redirect("volunteers_import:run", group.slug, exc.run.pk)
    _forget(request, group)
    return redirect("volunteers_import:run", group.slug, run.pk)


def _refused_by_check(state: dict, duplicates: str, good_rows_only: bool) -> str | None:
    """Refuse at once what the check this session saw rules out (errors, no one new), in the
    import's own words; the worker checks the file again anyway."""
    checked = state.get("checked")
    if not isinstance(checked, dict):
        return None
    report = Report(rows=checked.get("rows", 0), new=checked.get("new", 0),
                    error_rows=checked.get("error_rows", 0), merging=checked.get("merging", 0),
                    matched=checked.get("matched", 0), duplicates=duplicates)
    return refusal(report, good_rows_only)


def _my_active_run(request, group) -> ImportRun | None:
    return (ImportRun.objects.filter(group=group, started_by=request.user,
                                     state__in=ImportRun.ACTIVE).order_by("-pk").first())


@never_cache
@require_GET
@group_view(PERMISSION)
def run(request, group, pk: int):
    """An import's progress, polled by htmx until it ends; then what it did, or why it stopped."""
    runs.settle_stale(ImportRun.objects.filter(pk=pk, group=group))
    import_run = get_object_or_404(ImportRun, pk=pk, group=group)
    return render(request, "volunteers/import/run.html", {
        "group": group, "run": import_run,
        "summary": runs.summary(import_run.counts) if import_run.state == ImportRun.State.DONE
        else "",
        "source_label": SOURCE_LABELS.get(import_run.source, ""),
    })


@require_POST
@group_view(PERMISSION)
def cancel(request, group):
    had = _state(request, group) is not None
    _forget(request, group)
    if had:
        messages.success(request, "The uploaded file has been deleted. Nothing was imported.")
    return redirect("volunteers_import:upload", group.slug)
