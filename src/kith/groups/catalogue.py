"""The kinds of help groups offer and volunteers give: the help the seeds describe.

One list for both, so a volunteer's "prescriptions" is a group's "prescriptions". Keys are
stored in data: add new ones, never rename old ones.
"""

SERVICES: list[tuple[str, str]] = [
    ("shopping", "Shopping"),
    ("prescriptions", "Collecting prescriptions"),
    ("dog_walking", "Dog walking"),
    ("befriending", "Friendly phone calls and check-ins"),
    ("posting", "Posting letters and parcels"),
    ("foodbank", "Food bank and lunch shifts"),
    ("hot_meals", "Hot meals"),
    ("advice", "Advice and signposting"),
    ("interpreting", "Interpreting"),
    ("lifts", "Driving and lifts to appointments"),
    ("phone_admin", "Phone line and admin help"),
    ("errands", "Other errands"),
]
SERVICE_LABELS = dict(SERVICES)

# Help given at the resident's door or from their home: a volunteer has to know where they
# live, so Kith neither offers nor assigns these without an address (requests/visits.py).
# Shopping, prescriptions, posting, food bank parcels, hot meals and errands are brought to
# the door; a dog is walked from home; a lift starts there. The rest are remote: a friendly
# call or advice is given by phone, phone and admin help over the phone or by post, and an
# interpreter meets the resident where the appointment is (the request's details say where).
AT_HOME: frozenset[str] = frozenset({
    "shopping", "prescriptions", "dog_walking", "posting", "foodbank", "hot_meals", "lifts",
    "errands",
})


def needs_address(service: str) -> bool:
    """Must a volunteer go to the resident's home for this kind of help?"""
    return service in AT_HOME
