"""Starting points for a group's risk assessments: Kith's own plain words, one per activity,
for a group to change to fit how it works. A group's assessment is its own once saved."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kith.safety.models import Activity, RiskLevel


@dataclass(frozen=True)
class StartingPoint:
    hazards: str | Promise  # translated when read (str())
    who_harmed: str | Promise
    controls: str | Promise
    remaining_risk: str = RiskLevel.LOW


STARTING_POINTS: dict[str, StartingPoint] = {
    Activity.SHOPPING: StartingPoint(
        _("Money going missing or being disputed. Heavy bags. Going into a stranger's home. "
          "Someone pressing the volunteer to buy more, or things they are not comfortable "
          "buying."),
        _("The resident, if money or shopping goes wrong. The volunteer, from lifting or "
          "from an argument at the door."),
        _("Agree the list and a limit before going. Keep the receipt and hand it over with "
          "the change. Pay by card or bank transfer where the resident can. Leave bags at "
          "the door and step back; do not go inside. Carry only what you can lift "
          "comfortably. Tell the group if anything felt wrong.")),
    Activity.PRESCRIPTIONS: StartingPoint(
        _("Medicines are worth money to others, so a collection can be targeted. The wrong "
          "bag could be handed over. A resident could go without medicine they need."),
        _("The resident, who needs the right medicine on time. The volunteer, who carries "
          "something of value and could be blamed if it goes missing."),
        _("Only the people the group's prescription rule allows may collect, and controlled "
          "drugs follow the stricter rule. Check the pharmacy's bag reference before leaving. "
          "Go straight to the resident; never leave the bag on a doorstep. Say in Kith when "
          "you have collected it and when you have handed it over. Never open the bag or "
          "talk about what is in it."),
        RiskLevel.MEDIUM),
    Activity.FOODBANK: StartingPoint(
        _("Lifting and carrying crates. Food that has gone off or contains something a "
          "person is allergic to. Busy sessions with queues and upset people."),
        _("Volunteers, from lifting and busy sessions. The people who eat the food."),
        _("Lift with two people or a trolley. Check dates and keep chilled food cold. Label "
          "what is in a parcel so allergies can be checked. Two volunteers on every shift; "
          "a named person in charge who can ask someone to leave.")),
    Activity.DOG_WALKING: StartingPoint(
        _("A dog that pulls, bites, runs off or fights with other dogs. Walking alone in "
          "quiet places or in the dark. Picking up the keys to someone's home."),
        _("The volunteer, other people and dogs they meet, and the dog itself."),
        _("Meet the dog with its owner first. Use the owner's lead and harness; keep it on. "
          "Walk in daylight and on busy routes. Say when you set off and tap \"I'm safe, "
          "finished\" when the dog is home. Hand keys back the same day.")),
    Activity.VISITS: StartingPoint(
        _("Being alone in someone's home. Finding the person unwell, confused or in danger. "
          "Being asked for money or personal favours. Conversations that touch on abuse."),
        _("The volunteer, who is on their own. The resident, if a worry is not passed on."),
        _("Say when you go in and check in when you leave; Kith tells the coordinator if "
          "you do not. Sit near the door. Never accept money or gifts beyond a cup of tea. "
          "If you are worried about the resident, call 999 in an emergency, then tell the "
          "coordinator. Pass on anything about abuse to the safeguarding lead the same "
          "day."),
        RiskLevel.MEDIUM),
    Activity.EVENTS: StartingPoint(
        _("Crowds, trips and falls, hot food and drinks, and people the group does not "
          "know. Children or adults at risk attending without their carer."),
        _("Everyone attending, volunteers included."),
        _("A named person in charge, with a first aid kit and a phone. Check the room for "
          "trip hazards and fire exits first. Keep a sign-in sheet for helpers. Never leave "
          "a child or an adult at risk alone with one volunteer.")),
}
