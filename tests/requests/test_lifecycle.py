"""The pure state table (kith.requests.lifecycle): no database, no Django models.

What is proved here: every state can be reached from NEW and can reach an end; nothing moves
out of a FINAL state; the derived sets (OPEN, HELD, UNASSIGNED, ENDS_ASSIGNMENT) say what the
table says; replay() accepts exactly the histories the table can produce, and rejects any
history that skips, invents, reorders or mislabels a move.
"""

from __future__ import annotations

import contextlib
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kith.groups.roles import PERMISSIONS
from kith.requests import lifecycle
from kith.requests.lifecycle import (
    CREATED,
    FINAL,
    HELD,
    MOVES,
    NEW,
    OPEN,
    STATES,
    UNASSIGNED,
    IllegalMove,
    check,
    moves_from,
    replay,
)
from tests.conftest import examples

STATE_NAMES = [s for s, _ in STATES]
START = (CREATED, "", NEW)


def _reachable(start: str, *, backwards: bool = False) -> set[str]:
    seen, todo = {start}, deque([start])
    while todo:
        state = todo.popleft()
        if backwards:
            nxt = {s for m in MOVES.values() if m.target == state for s in m.sources}
        else:
            nxt = {m.target for m in moves_from(state)}
        for s in nxt - seen:
            seen.add(s)
            todo.append(s)
    return seen


# --- the table itself ------------------------------------------------------------------------

def test_states_are_unique_and_labelled():
    assert len(STATE_NAMES) == len(set(STATE_NAMES))
    assert all(label for _, label in STATES)
    assert set(lifecycle.STATE_LABELS) == set(STATE_NAMES)


def test_every_state_is_reachable_from_new():
    assert _reachable(NEW) == set(STATE_NAMES)


def test_every_open_state_can_still_end():
    """No dead ends: from anywhere still open there is a path to a final state."""
    can_end = set().union(*(_reachable(f, backwards=True) for f in FINAL))
    assert can_end >= OPEN


@pytest.mark.parametrize("state", sorted(FINAL))
def test_final_states_have_no_moves_out(state):
    assert moves_from(state) == []
    for action in MOVES:
        with pytest.raises(IllegalMove):
            check(action, state)


@pytest.mark.parametrize("state", sorted(OPEN))
def test_open_states_have_a_move_out(state):
    assert moves_from(state)


def test_moves_name_real_states_and_never_loop_on_themselves():
    names = set(STATE_NAMES)
    for action, move in MOVES.items():
        assert move.action == action
        assert move.sources and move.sources <= names, action
        assert move.target in names, action
        assert move.target not in move.sources, f"{action} would be a move that changes nothing"
        assert not move.sources & FINAL, f"{action} leaves a final state"
        assert move.label


def test_every_move_names_a_known_permission():
    for move in MOVES.values():
        assert move.permission in PERMISSIONS or move.permission in {"system", "assignee", "offeree",
                                                                     "role"}, move


def test_derived_sets_agree_with_the_table():
    assert set(STATE_NAMES) - FINAL == OPEN
    assert HELD <= OPEN and UNASSIGNED <= OPEN
    assert not HELD & UNASSIGNED
    # Only a hand-assignment or an accepted offer moves into HELD; "start" moves within it.
    into_held = {m.action for m in MOVES.values() if m.target in HELD and not m.sources <= HELD}
    assert into_held == {"assign", "accept"}
    # The moves that end an assignment are exactly the moves out of HELD.
    out_of_held = {m.action for m in MOVES.values() if m.sources & HELD and m.target not in HELD}
    assert out_of_held == lifecycle.ENDS_ASSIGNMENT


def test_check_refuses_unknown_steps_and_wrong_states_plainly():
    with pytest.raises(IllegalMove, match="no step called"):
        check("teleport", NEW)
    with pytest.raises(IllegalMove, match="cannot be"):
        check("complete", NEW)
    assert check("triage", NEW).target == lifecycle.TRIAGED


# --- replay(): known histories ---------------------------------------------------------------

def test_replay_of_a_whole_life():
    history = [
        START,
        ("triage", NEW, "triaged"),
        ("callback_attempt", "triaged", "triaged"),  # a note on the way
        ("start_matching", "triaged", "matching"),
        ("assign", "matching", "assigned"),
        ("start", "assigned", "in_progress"),
        ("hand_back", "in_progress", "matching"),
        ("assign", "matching", "assigned"),
        ("complete", "assigned", "done"),
        ("check_up", "done", "checked_up"),
        ("close", "checked_up", "closed"),
    ]
    assert replay(history) == lifecycle.CLOSED


def test_replay_of_just_the_creation_is_new():
    assert replay([START]) == NEW


@pytest.mark.parametrize("history", [
    [],
    [("triage", NEW, "triaged")],  # no creation row
    [("created", "", "triaged")],  # created somewhere other than NEW
    [START, START],  # made twice
    [START, ("complete", NEW, "done")],  # skips triage/matching/assignment
    [START, ("start_matching", NEW, "matching")],  # skips triage
    [START, ("triage", NEW, "matching")],  # right move, wrong target
    [START, ("triage", "matching", "triaged")],  # wrong recorded source
    [START, ("triage", NEW, "triaged"), ("triage", "triaged", "triaged")],  # a move as a note
    [START, ("teleport", NEW, "done")],  # invented move
    [START, ("asked_again", "triaged", "triaged")],  # a note in a state it was never in
    [START, ("cancel", NEW, "cancelled"), ("resume", "cancelled", "triaged")],  # out of FINAL
    [START, ("triage", NEW, "triaged"), ("start_matching", "triaged", "matching"),
     ("complete", "matching", "done")],  # done without anyone assigned
])
def test_replay_rejects_bad_histories(history):
    with pytest.raises(IllegalMove):
        replay(history)


# --- properties over random walks on the table -----------------------------------------------

ACTIONS = sorted(MOVES) + ["teleport", "created"]
NOTES = ["callback_attempt", "asked_again", "reminder_sent", "note", "status_checked"]


@st.composite
def walks(draw):
    """A random sequence of attempted actions, the history it makes, and the state it ends in.

    Each attempt is checked against the table: a legal one becomes a row; an illegal one must
    raise IllegalMove (and so leaves the state alone). Notes are sprinkled in between.
    """
    state, history = NEW, [START]
    for action in draw(st.lists(st.sampled_from(ACTIONS), max_size=40)):
        if draw(st.booleans()) and draw(st.booleans()):
            note = draw(st.sampled_from(NOTES))
            history.append((note, state, state))
        legal = action in MOVES and state in MOVES[action].sources
        if legal:
            target = check(action, state).target
            history.append((action, state, target))
            state = target
        else:
            with pytest.raises(IllegalMove):
                check(action, state)
    return history, state


@settings(max_examples=examples(300), database=None)
@given(walks())
def test_replay_explains_every_legal_walk(walk):
    history, state = walk
    assert replay(history) == state
    assert state in lifecycle.STATE_LABELS
    # Every prefix of a valid history is valid too.
    for cut in range(1, len(history)):
        replay(history[:cut])


@settings(max_examples=examples(300), database=None)
@given(walks(), st.data())
def test_replay_rejects_a_history_with_a_move_left_out(walk, data):
    """Skip any one move and the history no longer explains the state it claims."""
    history, state = walk
    moves = [i for i, row in enumerate(history) if row[0] in MOVES]
    if not moves:
        return
    drop = data.draw(st.sampled_from(moves))
    damaged = history[:drop] + history[drop + 1:]
    with contextlib.suppress(IllegalMove):
        assert replay(damaged) != state


@settings(max_examples=examples(300), database=None)
@given(walks(), st.data())
def test_replay_rejects_a_history_with_a_move_invented(walk, data):
    """Insert a move the table does not allow from the state at that point: rejected."""
    history, _ = walk
    at = data.draw(st.integers(1, len(history)))
    state_there = history[at - 1][2]
    action = data.draw(st.sampled_from(sorted(MOVES)))
    target = data.draw(st.sampled_from(STATE_NAMES))
    move = MOVES[action]
    if state_there in move.sources and target == move.target:
        return  # that one is legal: not an invention
    damaged = history[:at] + [(action, state_there, target)] + history[at:]
    with pytest.raises(IllegalMove):
        replay(damaged)


@settings(max_examples=examples(300), database=None)
@given(walks(), st.data())
def test_replay_rejects_a_relabelled_target(walk, data):
    history, _ = walk
    moves = [i for i, row in enumerate(history) if row[0] in MOVES]
    if not moves:
        return
    i = data.draw(st.sampled_from(moves))
    action, source, target = history[i]
    other = data.draw(st.sampled_from([s for s in STATE_NAMES if s != target]))
    damaged = history[:i] + [(action, source, other)] + history[i + 1:]
    with pytest.raises(IllegalMove):
        replay(damaged)
