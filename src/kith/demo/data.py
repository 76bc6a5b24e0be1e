"""The demo borough: fictional groups and people on real Kensington & Chelsea postcodes.

Ward and street names are real places so the demo reads true; every person is invented,
every phone number is in Ofcom's range kept for drama (020 7946 0000–0999), and every
email address ends in .invalid, a domain that can never receive mail.
"""

from __future__ import annotations

NETWORK = {"slug": "demo-network", "name": "West London Mutual Aid Network", "kind": "network"}
BOROUGH = {
    "slug": "kensington-chelsea", "name": "Kensington & Chelsea Mutual Aid", "kind": "borough",
    "coverage": ["SW3", "SW5", "SW7", "SW10", "W8", "W10", "W11"],
    "services": ["shopping", "prescriptions", "foodbank", "befriending", "advice"],
    "description": "Neighbours across the Royal Borough helping each other: shopping, "
                   "prescriptions, friendly calls and finding the right advice.",
    "email": "hello@kc-mutual-aid.invalid",
    "phone": "+442079460001",
}

# ward slug, name, districts/sectors, [(street slug, street name, sectors)]
WARDS: list[tuple[str, str, list[str], list[tuple[str, str, list[str]]]]] = [
    ("golborne", "Golborne Ward Mutual Aid", ["W10 5", "W10 6"], [
        ("golborne-road", "Golborne Road Neighbours", ["W10 5"]),
        ("wornington-green", "Wornington Green Helpers", ["W10 5"]),
        ("portobello-north", "Portobello North Street Group", ["W10 6"]),
    ]),
    ("notting-dale", "Notting Dale Mutual Aid", ["W10 6", "W11 1", "W11 4"], [
        ("lancaster-west", "Lancaster West Neighbours", ["W11 1"]),
        ("walmer-road", "Walmer Road Helpers", ["W11 4"]),
        ("bramley-road", "Bramley Road Street Group", ["W10 6"]),
    ]),
    ("earls-court", "Earl's Court Mutual Aid", ["SW5 0", "SW5 9"], [
        ("nevern-square", "Nevern Square Neighbours", ["SW5 9"]),
        ("philbeach-gardens", "Philbeach Gardens Helpers", ["SW5 9"]),
        ("earls-court-square", "Earls Court Square Street Group", ["SW5 0"]),
    ]),
    ("chelsea-riverside", "Chelsea Riverside Mutual Aid", ["SW10 0", "SW3 5"], [
        ("worlds-end", "World's End Neighbours", ["SW10 0"]),
        ("lots-road", "Lots Road Helpers", ["SW10 0"]),
        ("cremorne", "Cremorne Street Group", ["SW10 0"]),
    ]),
]

STREET_ADDRESSES = {
    "golborne-road": "Golborne Road", "wornington-green": "Wornington Road",
    "portobello-north": "Portobello Road", "lancaster-west": "Grenfell Road",
    "walmer-road": "Walmer Road", "bramley-road": "Bramley Road",
    "nevern-square": "Nevern Square", "philbeach-gardens": "Philbeach Gardens",
    "earls-court-square": "Earls Court Square", "worlds-end": "Blantyre Street",
    "lots-road": "Lots Road", "cremorne": "Cremorne Road",
}

DEMO_PASSWORD = "neighbours-2026"  # noqa: S105 printed by `make demo`; demo personas only

# email local part, name, [(group slug, roles)], superuser
PERSONAS = [
    ("priya", "Priya Shah", [("golborne", ["coordinator"]), ("golborne-road", ["coordinator"])],
     False),
    ("sam", "Sam Okafor", [("golborne-road", ["call_handler"])], False),
    ("tom", "Tom Brennan", [("golborne-road", ["volunteer"])], False),
    ("dev", "Dev Patel", [("kensington-chelsea", ["coordinator", "safeguarding_lead"])], False),
    ("olu", "Olu Adeyemi", [], False),
    ("admin", "Kith Admin", [], True),
]
PERSONA_NOTES = {
    "priya": "coordinator of Golborne ward and Golborne Road",
    "sam": "call handler, Golborne Road",
    "tom": "volunteer with a bike, Golborne Road",
    "dev": "borough coordinator and safeguarding lead",
    "olu": "signed up, not in any group (the outsider)",
    "admin": "superuser, for /admin/ only",
}
EMAIL_DOMAIN = "demo.kith.invalid"

FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Daniel", "Esther", "Farah", "George", "Hana", "Isaac", "Jade",
    "Kofi", "Leah", "Marcus", "Nadia", "Owen", "Parveen", "Quentin", "Rosa", "Samir", "Tess",
    "Umar", "Vera", "Wes", "Ximena", "Yusuf", "Zara", "Aidan", "Bea", "Callum", "Dina",
    "Emeka", "Fern", "Gus", "Hiroshi", "Ines", "Jonah", "Kezia", "Luca", "Maya", "Nico",
]
LAST_NAMES = [
    "Abbott", "Begum", "Carter", "Da Silva", "Evans", "Fofana", "Gallagher", "Hussain",
    "Ibrahim", "Jones", "Kowalski", "Lewis", "Mensah", "Nowak", "O'Brien", "Pereira", "Quinn",
    "Rahman", "Santos", "Taylor", "Usman", "Vaughan", "Walsh", "Xu", "Young", "Zielinski",
]
RESIDENT_TITLES = ["Mrs", "Mr", "Ms", "Miss"]
RESIDENT_NOTES = [
    "", "", "", "Hard of hearing: let the phone ring for a long time.",
    "Diabetic; needs sugar-free options.", "Prefers calls after 11am.",
    "Uses a walking frame; leave shopping inside the porch.", "",
]
VOLUNTEERS = 300
RESIDENTS = 120
