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
