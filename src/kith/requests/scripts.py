"""What a call handler says on the phone: one short script per kind of help, plus check-ups.

Each script walks the same path, so a new call handler can follow any of them: greet, make
sure who you are speaking to, what they need, when, anything the volunteer should know
when they come, the consent line read aloud, and the reference number. Plain words, short
sentences: they are read out to people who may be anxious, hard of hearing or using a
second language.

Data and string formatting only. Every word is marked for translation (lazily: the script is
put together in the language of whoever reads it, and parts are joined with format_lazy, never
`+`). `{group}` and `{reference}` are filled in by `script_for()`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kith.groups.catalogue import SERVICE_LABELS, needs_address

# Read aloud, word for word, on every call that takes a request.
CONSENT_LINE = (
    _("“So that a neighbour can help, we'll keep your name, your number and what you need. "
      "Only the people who organise help in {group} can see it. You can ask us to delete it "
      "at any time. Is that all right?”")
)


# Where each answer is kept (requests/corrections.record_answers saves it there):
DETAILS = "details"  # a labelled line added to what they need (sealed; the volunteer reads it)
WHEN = "when"  # the request's best day or time
URGENCY = "urgency"  # the request's "how soon"
ASKED_BY = "asked_by"  # the request's "asked by": someone calling for them
ADDRESS = "address"  # the resident's address (sealed)
POSTCODE = "postcode"  # the resident's full postcode (sealed; sets their area)
LANGUAGE = "language"  # the resident's preferred language
PLACES = (DETAILS, WHEN, URGENCY, ASKED_BY, ADDRESS, POSTCODE, LANGUAGE)


@dataclass(frozen=True)
class Ask:
    """One thing a step finds out, and the box the call handler types the answer into."""

    key: str  # the form field's name; unique within a script
    label: str
    to: str  # one of PLACES
    long: bool = False  # a few lines rather than one
    line: str = ""  # its name on a line of what they need ("Pharmacy: …"); else the label

    @property
    def line_name(self) -> str:
        return self.line or self.label


@dataclass(frozen=True)
class Step:
    heading: str  # what this part of the call is for
    say: str  # what to say, or what to find out
    own: bool = False  # particular to this script (the rest is the same on every call)
    asks: tuple[Ask, ...] = ()  # the answers to write down, each saved where it belongs


@dataclass(frozen=True)
class Script:
    key: str
    title: str
    steps: tuple[Step, ...]


def _greet(purpose: str, *, rang_us: str = "") -> Step:
    # Put together when read (format_lazy), so each part is said in the reader's language.
    hello = format_lazy(_("“Hello, this is (your first name) from {group}. {purpose}”"),
                        group="{group}", purpose=purpose)
    return Step(_("Say hello"), format_lazy("{} {}", hello, rang_us) if rang_us else hello)


CONFIRM = Step(
    _("Check who you're speaking to"),
    _("“Can I check who I'm speaking to?” If it is someone else (a neighbour, a daughter), "
      "ask their name and whether the person who needs help knows they are calling."),
    asks=(Ask("asked_by", _("If it is someone else: their name, and who they are to them"),
              ASKED_BY),),
)
WHERE = Step(
    _("Where they live"),
    _("“Can I take your address and postcode, so the volunteer knows where to come?” Read it "
      "back to them."),
    asks=(Ask("address", _("Their address"), ADDRESS, long=True),
          Ask("postcode", _("Their postcode"), POSTCODE)),
)
ACCESS = Step(
    _("Anything the volunteer should know"),
    _("“Is there anything the volunteer should know when they come? Stairs, a buzzer, a dog, "
      "knocking loudly, or anything about hearing or sight?” Also ask which language they "
      "would like us to use."),
    asks=(Ask("at_the_door", _("For the volunteer: stairs, buzzer, a dog, hearing or sight"),
              DETAILS, line=_("At the door")),
          Ask("language", _("Language they'd like us to use"), LANGUAGE)),
)
WHEN_ASKS = (Ask("when", _("Best day or time"), WHEN), Ask("urgency", _("How soon?"), URGENCY))
CONSENT = Step(_("Read the consent line"),
               format_lazy("{} {}", CONSENT_LINE, _("If they say no, don't save anything.")))
REFERENCE = Step(
    _("Give the reference number"),
    _("“Your reference is {reference}.” Read it slowly, letter by letter, and ask them to "
      "write it down. “If you need us, ring this number and give that reference.”"),
)
REFERENCE_AFTER_SAVING = Step(
    _("Give the reference number"),
    _("Save, then read them the reference number shown at the top of the next page, slowly, "
      "letter by letter. Ask them to write it down."),
)


def _help_script(key: str, need: str, when: str, asks: tuple[Ask, ...]) -> Script:
    """One kind of help's call. Help at the door asks where they live, as a volunteer cannot
    be sent without an address (requests/visits.py)."""
    return Script(key, SERVICE_LABELS[key], tuple(step for step in (
        _greet(_("You asked us for some help, is that right?"),
               rang_us=_("If they rang you, just: “How can I help?”")),
        CONFIRM,
        Step(_("What they need"), need, own=True, asks=asks),
        Step(_("When"), when, own=True, asks=WHEN_ASKS),
        WHERE if needs_address(key) else None,
        ACCESS,
        CONSENT,
        REFERENCE,
    ) if step is not None))


def _need(key: str, label: str, *, line: str = "", long: bool = False) -> Ask:
    return Ask(key, label, DETAILS, long=long, line=line)


_ANY_DAY = _("“Which day and time would suit you best? Is there a time that's no good?”")

SCRIPTS: dict[str, Script] = {s.key: s for s in [
    _help_script(
        "shopping",
        _("“What would you like us to get? If something's not there, is there anything you'd "
          "be happy with instead?” Ask how they will pay: cash to the volunteer on the doorstep "
          "is usual. Never take card numbers or PINs."),
        _("“When do you need it by? Will you have enough food until then?” If not, choose "
          "Today."),
        (_need("shopping_list", _("What to get, and anything instead"), line=_("To get"), long=True),
         _need("payment", _("How they will pay"), line=_("Paying"))),
    ),
    _help_script(
        "prescriptions",
        _("“Which pharmacy is it at, and is it ready to collect?” Ask whether they pay for "
          "prescriptions or get them free. The pharmacy may ask the volunteer for their name "
          "and address."),
        _("“When do you run out?” If it is today or tomorrow, choose Today."),
        (_need("pharmacy", _("Pharmacy")),
         _need("ready", _("Ready to collect?"), line=_("Ready to collect")),
         _need("charge", _("Pays for prescriptions, or free"), line=_("Prescription charge"))),
    ),
    _help_script(
        "dog_walking",
        _("“What's your dog called? How big, and how are they with other dogs and people?” "
          "Ask how long a walk and whether the volunteer will need a key or a lead."),
        _("“Which days, and what time of day, does your dog usually go out?”"),
        (_need("dog", _("The dog: name, size, with other dogs and people"), line=_("The dog"), long=True),
         _need("walk", _("How long a walk; a key or a lead needed"), line=_("The walk"))),
    ),
    _help_script(
        "befriending",
        _("“Would you like someone to ring you for a chat? Is there anything you'd enjoy "
          "talking about?” Ask whether they would rather talk to a man or a woman."),
        _("“How often would you like a call, and what time of day is best?”"),
        (_need("topics", _("What they would enjoy talking about"), line=_("Likes to talk about")),
         _need("talk_to", _("Rather talk to a man or a woman"), line=_("Would rather talk to"))),
    ),
    _help_script(
        "posting",
        _("“What needs posting? Is it stamped, or does it need taking to the post office to be "
          "weighed?” Ask how they will pay for postage."),
        format_lazy("{} {}", _("“Is there a date it has to arrive by?”"), _ANY_DAY),
        (_need("post_items", _("What to post: stamped, or to be weighed"), line=_("To post")),
         _need("payment", _("How they will pay for postage"), line=_("Paying"))),
    ),
    _help_script(
        "foodbank",
        _("“Do you have a food bank voucher, or shall we help you get one?” Ask about "
          "allergies, diets (halal, vegetarian, diabetic) and how many people it is for."),
        _("“Do you have enough food for today and tomorrow?” If not, choose Today."),
        (_need("voucher", _("Food bank voucher: have one, or need help getting one"),
               line=_("Food bank voucher")),
         _need("diet", _("Allergies and diets; how many people"), line=_("Diet"), long=True)),
    ),
    _help_script(
        "hot_meals",
        _("“Is it a hot meal delivered that you'd like? Any allergies, or food you can't or "
          "don't eat?” Ask whether they can heat food up themselves."),
        _("“Which days would you like a meal, and at what time do you usually eat?”"),
        (_need("diet", _("Allergies, or food they can't or don't eat"), line=_("Diet")),
         _need("heating", _("Can they heat food up themselves?"), line=_("Heating food"))),
    ),
    _help_script(
        "advice",
        _("“What would you like advice about? Money, benefits, housing, bills, or something "
          "else?” Don't give advice yourself: we put them in touch with someone who knows."),
        _("“Is there a deadline, like a letter that needs an answer by a certain date?”"),
        (_need("advice_about", _("What they want advice about"), line=_("Advice about"), long=True),
         _need("deadline", _("A deadline or a letter to answer"), line=_("Deadline"))),
    ),
    _help_script(
        "interpreting",
        _("“Which language would you like, and what is it for? An appointment, a phone call, "
          "or a letter?” Ask who the appointment is with and where."),
        _("“What day and time is the appointment?”"),
        (_need("language_for", _("Which language, and what it is for"), line=_("Interpreting")),
         _need("appointment", _("Who the appointment is with, and where"), line=_("Appointment"))),
    ),
    _help_script(
        "lifts",
        _("“Where do you need to go, and where from? Do you need a lift back too?” Ask whether "
          "they can get in and out of a car, and about a wheelchair, frame or walking stick."),
        _("“What time do you need to be there?”"),
        (_need("journey", _("Where to and where from; a lift back too?"), line=_("Journey")),
         _need("mobility", _("Getting in and out of a car; wheelchair, frame or stick"),
               line=_("Getting about"))),
    ),
    _help_script(
        "phone_admin",
        _("“What needs doing? Filling in a form, making a phone call, or a letter to answer?” "
          "Never ask for passwords, PINs or bank details."),
        _("“Is there a date it has to be done by?”"),
        (_need("task", _("What needs doing"), line=_("To do"), long=True),),
    ),
    _help_script(
        "errands",
        _("“Tell me what needs doing and where.” Write it down in their words; a coordinator "
          "will check it is something a volunteer can do."),
        _ANY_DAY,
        (_need("task", _("What needs doing, and where"), line=_("To do"), long=True),),
    ),
]}

# A check-up call after a volunteer has helped, and a regular check-in call with someone
# the group keeps an eye on.
SCRIPTS["check_up"] = Script("check_up", _("Check-up call"), (
    _greet(_("We're ringing to see how the help went.")),
    CONFIRM,
    Step(_("How it went"), _("“Did everything go as you wanted? Was the volunteer kind and on time?”")),
    Step(_("Anything more"), _("“Is there anything else you need help with? When would you need "
                            "it?” If so, choose ‘Needs more help’ and take the new request.")),
    Step(_("How they are"), _("“How are you keeping?” If anything worries you about their safety "
                           "or health, choose ‘A concern’: the group's safeguarding lead is told "
                           "at once.")),
    Step(_("Their details"), _("“We still have your details so we can help. You can ask us to "
                            "delete them at any time.”")),
    Step(_("The reference number"), _("If they want it again: “Your reference is {reference}.”")),
))
SCRIPTS["check_in"] = Script("check_in", _("Regular check-in call"), (
    _greet(_("It's your regular call, just to see how you are.")),
    CONFIRM,
    Step(_("How they are"), _("“How have you been since we last spoke? Are you eating and sleeping "
                           "all right? Have you seen anyone this week?”")),
    Step(_("Anything they need"), _("“Is there anything you need this week: shopping, a "
                                 "prescription, a lift? When?” If so, choose ‘Needs more help’.")),
    Step(_("Anything that worries you"), _("If anything worries you about their safety or health, "
                                        "choose ‘A concern’: the group's safeguarding lead is "
                                        "told at once.")),
    Step(_("Their details"), _("“We keep your details so we can ring you. You can ask us to "
                            "stop or delete them at any time.”")),
    Step(_("Next call"), _("Tell them when the next call will be.")),
))
SCRIPTS["missed_call"] = Script("missed_call", _("Calling back after a missed call"), (
    _greet(_("You rang us and we missed you. Sorry about that. How can we help?")),
    CONFIRM,
    Step(_("What they need"), _("Find out what they need. If they are asking for help, choose "
                             "‘Reached them’ and take their request on the next page.")),
    Step(_("When"), _("“When do you need it by?”")),
    ACCESS,
    CONSENT,
    REFERENCE_AFTER_SAVING,
))


def script_for(key: str, *, group: str, reference: str = "") -> Script | None:
    """The script for a service key or call kind, with the group and reference filled in.

    With no reference yet (a request being taken), the last step says to read the one shown
    after saving.
    """
    script = SCRIPTS.get(key)
    if script is None:
        return None
    steps = []
    for step in script.steps:
        if step is REFERENCE and not reference:
            step = REFERENCE_AFTER_SAVING
        say = str(step.say)  # now, in the language of whoever reads it
        if "{reference}" in say and not reference:
            continue
        steps.append(replace(step, say=say.format(group=group, reference=reference)))
    return Script(script.key, script.title, tuple(steps))


def asks_of(script: Script | None) -> list[Ask]:
    """Every answer a script asks for, in the order of the call."""
    return [ask for step in (script.steps if script else ()) for ask in step.asks]
