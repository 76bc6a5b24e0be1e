"""The request moves are one public module (requests/moves.py) that every app uses.

Apps used to reach into requests/services.py for `_move` and `_locked`; a private name
imported elsewhere is a promise nobody made, so the scan below keeps the source free of them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kith.core.models import AuditEvent
from kith.requests import lifecycle, moves
from kith.requests.lifecycle import IllegalMove
from kith.requests.models import HelpRequest
from tests.requests.test_services import ask

SRC = Path(__file__).resolve().parents[2] / "src" / "kith"


def _private_imports() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        where = str(path.relative_to(SRC))
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("kith")):
                continue
            found += [f"{where}:{node.lineno} {node.module}.{alias.name}" for alias in node.names
                      if alias.name.startswith("_") and not alias.name.startswith("__")]
    return found


def test_no_module_imports_another_modules_private_names():
    assert _private_imports() == []


def _writes_a_state(call: ast.Call) -> bool:
    """HelpRequest.objects….update(state=…)"""
    if not (isinstance(call.func, ast.Attribute) and call.func.attr == "update"):
        return False
    if not any(k.arg == "state" for k in call.keywords):
        return False
    return any(isinstance(n, ast.Name) and n.id == "HelpRequest" for n in ast.walk(call.func))


def test_every_app_that_moves_a_request_goes_through_moves():
    """Nothing outside moves.py changes a request's state with its own UPDATE."""
    writers = [str(path.relative_to(SRC)) for path in sorted(SRC.rglob("*.py"))
               if "migrations" not in path.parts and path.name != "moves.py"
               and any(isinstance(n, ast.Call) and _writes_a_state(n)
                       for n in ast.walk(ast.parse(path.read_text())))]
    assert writers == []
    for name in ("make_move", "locked", "add_event", "authorise", "NotAllowed"):
        assert hasattr(moves, name)


@pytest.mark.django_db
def test_make_move_records_the_line_and_the_row_and_refuses_plainly(street, priya, tom):
    req = moves.locked(ask(street).request)
    move = moves.make_move(req, "triage", actor=priya)
    assert move.target == lifecycle.TRIAGED == HelpRequest.objects.get(pk=req.pk).state
    assert req.events.filter(action="triage", actor=priya).exists()
    assert AuditEvent.objects.filter(action="kith.request.triage", actor=priya).exists()
    with pytest.raises(moves.NotAllowed):
        moves.make_move(req, "start_matching", actor=tom)  # a volunteer may not
    with pytest.raises(IllegalMove):
        moves.make_move(req, "complete", actor=priya)  # not from triaged
    assert HelpRequest.objects.get(pk=req.pk).state == lifecycle.TRIAGED


@pytest.mark.django_db
def test_a_move_on_a_stale_copy_changes_nothing(street, priya):
    req = ask(street).request
    stale = HelpRequest.objects.get(pk=req.pk)
    moves.make_move(moves.locked(req), "triage", actor=priya)
    stale.group = street
    with pytest.raises(IllegalMove):
        moves.make_move(stale, "cancel", actor=priya, note="Duplicate")
    assert HelpRequest.objects.get(pk=req.pk).state == lifecycle.TRIAGED
