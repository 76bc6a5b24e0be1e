"""The demo borough: fictional groups and people on real Kensington & Chelsea postcodes.

Ward and street names are real places so the demo reads true; every person is invented,
every phone number is in Ofcom's range kept for drama (020 7946 0000–0999), and every
email address ends in .invalid, a domain that can never receive mail.
"""

from __future__ import annotations

# The network has a line of its own, so a group below it that lists no contact (East Barnet)
# still sends people somewhere from the directory.
NETWORK = {"slug": "demo-network", "name": "West London Mutual Aid Network", "kind": "network",
           "email": "hello@west-london-mutual-aid.invalid", "phone": "+442079460002"}
BOROUGH = {
    "slug": "kensington-chelsea",
    "name": "Kensington & Chelsea Mutual Aid",
    "kind": "borough",
    "coverage": ["SW3", "SW5", "SW7", "SW10", "W8", "W10", "W11"],
    "services": ["shopping", "prescriptions", "foodbank", "befriending", "advice"],
    "description": "Neighbours across the Royal Borough helping each other: shopping, "
    "prescriptions, friendly calls and finding the right advice.",
    "email": "hello@kc-mutual-aid.invalid",
    "phone": "+442079460001",
}

# ward slug, name, districts/sectors, [(street slug, street name, sectors)]
WARDS: list[tuple[str, str, list[str], list[tuple[str, str, list[str]]]]] = [
    (
        "golborne",
        "Golborne Ward Mutual Aid",
        ["W10 5", "W10 6"],
        [
            ("golborne-road", "Golborne Road Neighbours", ["W10 5"]),
            ("wornington-green", "Wornington Green Helpers", ["W10 5"]),
            ("portobello-north", "Portobello North Street Group", ["W10 6"]),
        ],
    ),
    (
        "notting-dale",
        "Notting Dale Mutual Aid",
        ["W10 6", "W11 1", "W11 4"],
        [
            ("lancaster-west", "Lancaster West Neighbours", ["W11 1"]),
            ("walmer-road", "Walmer Road Helpers", ["W11 4"]),
            ("bramley-road", "Bramley Road Street Group", ["W10 6"]),
        ],
    ),
    (
        "earls-court",
        "Earl's Court Mutual Aid",
        ["SW5 0", "SW5 9"],
        [
            ("nevern-square", "Nevern Square Neighbours", ["SW5 9"]),
            ("philbeach-gardens", "Philbeach Gardens Helpers", ["SW5 9"]),
            ("earls-court-square", "Earls Court Square Street Group", ["SW5 0"]),
        ],
    ),
    (
        "chelsea-riverside",
        "Chelsea Riverside Mutual Aid",
        ["SW10 0"],
        [
            ("worlds-end", "World's End Neighbours", ["SW10 0"]),
            ("lots-road", "Lots Road Helpers", ["SW10 0"]),
            ("cremorne", "Cremorne Street Group", ["SW10 0"]),
        ],
    ),
]

# Real postcodes in the Royal Borough (ONS Postcode Directory, Open Government Licence v3.0).
DEMO_POSTCODES = {
    "W10 5": [
        "W10 5AA",
        "W10 5BT",
        "W10 5EG",
        "W10 5GU",
        "W10 5JL",
        "W10 5LZ",
        "W10 5PN",
        "W10 5RF",
        "W10 5TE",
        "W10 5UY",
    ],
    "W10 6": [
        "W10 6AA",
        "W10 6BP",
        "W10 6DZ",
        "W10 6GA",
        "W10 6HW",
        "W10 6LH",
        "W10 6NT",
        "W10 6QF",
        "W10 6RY",
        "W10 6TJ",
    ],
    "W11 1": [
        "W11 1AB",
        "W11 1EQ",
        "W11 1GF",
        "W11 1JD",
        "W11 1LU",
        "W11 1PZ",
        "W11 1RQ",
        "W11 1TR",
        "W11 1WJ",
        "W11 1YD",
    ],
    "W11 4": [
        "W11 4AA",
        "W11 4BY",
        "W11 4ER",
        "W11 4GS",
        "W11 4JT",
        "W11 4NU",
        "W11 4QS",
        "W11 4SP",
        "W11 4WJ",
        "W11 4YF",
    ],
    "SW5 9": [
        "SW5 9AA",
        "SW5 9DA",
        "SW5 9EZ",
        "SW5 9GY",
        "SW5 9JY",
        "SW5 9PD",
        "SW5 9RA",
        "SW5 9SY",
        "SW5 9UW",
        "SW5 9XU",
    ],
    "SW5 0": [
        "SW5 0AA",
        "SW5 0BX",
        "SW5 0ET",
        "SW5 0HS",
        "SW5 0LT",
        "SW5 0PN",
        "SW5 0RH",
        "SW5 0SZ",
        "SW5 0WG",
        "SW5 0XX",
    ],
    "SW10 0": [
        "SW10 0AB",
        "SW10 0DA",
        "SW10 0EW",
        "SW10 0GR",
        "SW10 0JP",
        "SW10 0NH",
        "SW10 0QB",
        "SW10 0RX",
        "SW10 0TT",
        "SW10 0WX",
    ],
    "SW3 5": [
        "SW3 5AA",
        "SW3 5BU",
        "SW3 5EL",
        "SW3 5HH",
        "SW3 5LQ",
        "SW3 5PL",
        "SW3 5RD",
        "SW3 5TB",
        "SW3 5UU",
        "SW3 5XP",
    ],
}
# Residents who rang the borough line from here have no street group yet: the demo's coverage gap.
UNCOVERED_SECTOR = "SW3 5"

STREET_ADDRESSES = {
    "golborne-road": "Golborne Road",
    "wornington-green": "Wornington Road",
    "portobello-north": "Portobello Road",
    "lancaster-west": "Grenfell Road",
    "walmer-road": "Walmer Road",
    "bramley-road": "Bramley Road",
    "nevern-square": "Nevern Square",
    "philbeach-gardens": "Philbeach Gardens",
    "earls-court-square": "Earls Court Square",
    "worlds-end": "Blantyre Street",
    "lots-road": "Lots Road",
    "cremorne": "Cremorne Road",
}

DEMO_PASSWORD = "neighbours-2026"  # noqa: S105 printed by `make demo`; demo personas only

# email local part, name, [(group slug, roles)], superuser
PERSONAS = [
    ("priya", "Priya Shah", [("golborne", ["coordinator"]), ("golborne-road", ["coordinator"])], False),
    ("sam", "Sam Okafor", [("golborne-road", ["call_handler"])], False),
    ("tom", "Tom Brennan", [("golborne-road", ["volunteer"])], False),
    ("tess", "Tess Morgan", [("golborne-road", ["treasurer"])], False),
    ("dev", "Dev Patel", [("kensington-chelsea", ["coordinator", "safeguarding_lead"])], False),
    ("nia", "Nia Campbell", [("demo-network", ["coordinator"])], False),
    ("olu", "Olu Adeyemi", [], False),
    ("admin", "Kith Admin", [], True),
]
PERSONA_NOTES = {
    "priya": "coordinator of Golborne ward and Golborne Road",
    "sam": "call handler, Golborne Road",
    "tom": "volunteer with a bike, Golborne Road",
    "tess": "treasurer, Golborne Road: claims, reimbursements, the ledger",
    "dev": "borough coordinator and safeguarding lead",
    "nia": "network coordinator: approves new groups",
    "olu": "signed up, not in any group (the outsider)",
    "admin": "superuser, for /admin/ only",
}
EMAIL_DOMAIN = "demo.kith.invalid"
# Mobiles from Ofcom's drama range (07700 900000-900999), which no real phone has: Tom can
# choose texts, and Bea, who has no email, signs in with a texted code.
TOM_MOBILE = "+447700900101"
PHONE_ONLY_VOLUNTEER = ("Bea Lewis", "+447700900102")

FIRST_NAMES = [
    "Amara",
    "Ben",
    "Chloe",
    "Daniel",
    "Esther",
    "Farah",
    "George",
    "Hana",
    "Isaac",
    "Jade",
    "Kofi",
    "Leah",
    "Marcus",
    "Nadia",
    "Owen",
    "Parveen",
    "Quentin",
    "Rosa",
    "Samir",
    "Tess",
    "Umar",
    "Vera",
    "Wes",
    "Ximena",
    "Yusuf",
    "Zara",
    "Aidan",
    "Bea",
    "Callum",
    "Dina",
    "Emeka",
    "Fern",
    "Gus",
    "Hiroshi",
    "Ines",
    "Jonah",
    "Kezia",
    "Luca",
    "Maya",
    "Nico",
]
LAST_NAMES = [
    "Abbott",
    "Begum",
    "Carter",
    "Da Silva",
    "Evans",
    "Fofana",
    "Gallagher",
    "Hussain",
    "Ibrahim",
    "Jones",
    "Kowalski",
    "Lewis",
    "Mensah",
    "Nowak",
    "O'Brien",
    "Pereira",
    "Quinn",
    "Rahman",
    "Santos",
    "Taylor",
    "Usman",
    "Vaughan",
    "Walsh",
    "Xu",
    "Young",
    "Zielinski",
]
RESIDENT_TITLES = ["Mrs", "Mr", "Ms", "Miss"]
RESIDENT_NOTES = [
    "",
    "",
    "",
    "Hard of hearing: let the phone ring for a long time.",
    "Diabetic; needs sugar-free options.",
    "Prefers calls after 11am.",
    "Uses a walking frame; leave shopping inside the porch.",
    "",
]
VOLUNTEERS = 300
RESIDENTS = 120
