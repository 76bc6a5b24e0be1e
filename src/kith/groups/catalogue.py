"""The services a group can offer: the help the seeds describe groups giving."""

SERVICES: list[tuple[str, str]] = [
    ("shopping", "Shopping"),
    ("prescriptions", "Collecting prescriptions"),
    ("foodbank", "Food bank collections"),
    ("hot_meals", "Hot meals"),
    ("dog_walking", "Dog walking"),
    ("befriending", "Friendly phone calls"),
    ("advice", "Advice and signposting"),
    ("lifts", "Lifts to appointments"),
    ("errands", "Other errands"),
]
SERVICE_LABELS = dict(SERVICES)
