"""The help request's states and the only moves between them. Pure data: no Django.

Services look a move up here before they change anything, and the property tests replay
every request's history through this table, so a state the history cannot explain is a bug
that a test finds.
"""

from __future__ import annotations

from dataclasses import dataclass

NEW = "new"
TRIAGED = "triaged"
MATCHING = "matching"
OFFERED = "offered"
ASSIGNED = "assigned"
IN_PROGRESS = "in_progress"
DONE = "done"
CHECKED_UP = "checked_up"
CLOSED = "closed"
CANCELLED = "cancelled"
COULD_NOT_HELP = "could_not_help"
ESCALATED = "escalated"
ON_HOLD = "on_hold"

STATES: list[tuple[str, str]] = [
    (NEW, "New"),
    (TRIAGED, "Triaged"),
    (MATCHING, "Finding a volunteer"),
    (OFFERED, "Offered to volunteers"),
    (ASSIGNED, "Volunteer assigned"),
    (IN_PROGRESS, "In progress"),
    (DONE, "Done"),
    (CHECKED_UP, "Checked up"),
    (CLOSED, "Closed"),
    (CANCELLED, "Cancelled"),
    (COULD_NOT_HELP, "Could not help"),
    (ESCALATED, "Escalated (safeguarding)"),
    (ON_HOLD, "On hold"),
]
STATE_LABELS = dict(STATES)

# Nothing moves out of these.
FINAL = frozenset({CLOSED, CANCELLED, COULD_NOT_HELP})
# Someone is still working on these; they count as "open" for duplicates and figures.
OPEN = frozenset(s for s, _ in STATES) - FINAL
# A volunteer holds the task (and may see the address) in these.
HELD = frozenset({ASSIGNED, IN_PROGRESS})
# Before anyone has taken it on: where a hand-assignment, hold or "could not help" may start.
UNASSIGNED = frozenset({NEW, TRIAGED, MATCHING, OFFERED})


@dataclass(frozen=True)
class Move:
    action: str
    sources: frozenset[str]
    target: str
    permission: str  # a name in groups/roles.py PERMISSIONS, or "system" / "assignee" / "role"
    label: str
    needs_note: bool = False  # cancelled (why), could not help (signposted where), hold, escalate


MOVES: dict[str, Move] = {m.action: m for m in [
    Move("triage", frozenset({NEW}), TRIAGED, "requests.triage", "Triaged"),
    Move("start_matching", frozenset({TRIAGED}), MATCHING, "requests.triage", "Ready to match"),
    # Matching (kith.matching.offers): a round of offers to a few volunteers; the first to
    # accept takes it; a round nobody takes goes back to matching for the next few.
    Move("offer", frozenset({MATCHING}), OFFERED, "requests.assign", "Offered to volunteers"),
    Move("accept", frozenset({OFFERED}), ASSIGNED, "offeree", "Volunteer accepted"),
    Move("offers_lapsed", frozenset({OFFERED}), MATCHING, "system", "Offers ran out"),
    Move("assign", UNASSIGNED - {NEW}, ASSIGNED, "requests.assign", "Volunteer assigned"),
    Move("start", frozenset({ASSIGNED}), IN_PROGRESS, "assignee", "Volunteer on their way"),
    Move("complete", HELD, DONE, "assignee", "Done"),
    # The volunteer gives it back, or the window passed without it being done.
    Move("hand_back", HELD, MATCHING, "assignee", "Handed back", needs_note=True),
    Move("unassign", HELD, MATCHING, "requests.assign", "Volunteer taken off", needs_note=True),
    Move("release", HELD, MATCHING, "system", "Not done in time: back to matching"),
    # The volunteer's role changed (removed, left, on a break, a check withdrawn, excluded):
    # taken back by the service that changed it, which checked its own permission ("role").
    Move("take_back", HELD, MATCHING, "role", "Volunteer stood down: back to matching",
         needs_note=True),
    Move("check_up", frozenset({DONE}), CHECKED_UP, "callbacks.work", "Check-up call made"),
    Move("close", frozenset({DONE, CHECKED_UP}), CLOSED, "requests.close", "Closed"),
    Move("cancel", OPEN - {ESCALATED, DONE, CHECKED_UP}, CANCELLED, "requests.close",
         "Cancelled", needs_note=True),
    Move("could_not_help", UNASSIGNED | {ON_HOLD}, COULD_NOT_HELP, "requests.close",
         "Could not help", needs_note=True),
    Move("escalate", OPEN - {ESCALATED}, ESCALATED, "requests.escalate",
         "Escalated to safeguarding", needs_note=True),
    Move("de_escalate", frozenset({ESCALATED}), TRIAGED, "requests.safeguard",
         "Safeguarding concern dealt with", needs_note=True),
    Move("close_escalated", frozenset({ESCALATED}), CLOSED, "requests.safeguard",
         "Closed by safeguarding", needs_note=True),
    Move("hold", UNASSIGNED | HELD, ON_HOLD, "requests.triage", "Put on hold", needs_note=True),
    Move("resume", frozenset({ON_HOLD}), TRIAGED, "requests.triage", "Taken off hold"),
]}

# A held task returns to matching by any of these; they end the assignment.
ENDS_ASSIGNMENT = frozenset({"complete", "hand_back", "unassign", "release", "take_back", "cancel",
                             "escalate", "hold"})


class IllegalMove(Exception):
    """The move is not allowed from the request's current state; the message says so plainly."""


def check(action: str, state: str) -> Move:
    move = MOVES.get(action)
    if move is None:
        raise IllegalMove(f"There is no step called {action!r}.")
    if state not in move.sources:
        raise IllegalMove(
            f"This request is {STATE_LABELS[state].lower()}, so it cannot be "
            f"{move.label.lower()} now."
        )
    return move


def moves_from(state: str) -> list[Move]:
    return [m for m in MOVES.values() if state in m.sources]


CREATED = "created"


def replay(history: list[tuple[str, str, str]]) -> str:
    """Walk (action, from, to) rows; return the state they explain, or raise IllegalMove.

    The first row is the creation ("created", "", NEW). Rows whose from and to are the
    same are notes on the timeline (a call attempt, "asked again"), not moves.
    """
    if not history or history[0] != (CREATED, "", NEW):
        raise IllegalMove("the history does not start with the request being made")
    state = NEW
    for action, source, target in history[1:]:
        if action not in MOVES and source == target == state:
            continue
        if source != state:
            raise IllegalMove(f"{action}: recorded as from {source} but the request was {state}")
        move = check(action, state)
        if move.target != target:
            raise IllegalMove(f"{action}: recorded as to {target} but it leads to {move.target}")
        state = target
    return state
