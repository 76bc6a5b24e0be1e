"""The people of the load test (bench/load_site.py runs Locust on this file, headless).

Residents search the directory and ask for help; volunteers open their page and answer their
offers; coordinators work the request list and open requests; call handlers work the call-back
queue. Everyone pauses between pages as a person does (1 to 3 s). Each resident comes from an
address of their own, as real ones do behind the proxy (the ask limit is per address).

Two more classes serve the throughput comparison, with no pause: BareUser asks for the bare
view, CoordinatorFlatOut for the coordinator's request list, each run alone by load_site.py.

Reads what bench/load_seed.py wrote (KITH_LOAD_DATA). Does not load Django.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re

from locust import HttpUser, between, constant, task

DATA = json.load(open(os.environ["KITH_LOAD_DATA"]))  # noqa: SIM115 (read once at import)
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# The kinds of help the group's own form offers (each group lists its own; another is refused).
OFFERED = re.compile(r'name="service" value="([a-z_]+)"')
_numbers = itertools.count(1)
# A resident asks a few times, then makes way for another: one address asking every few
# seconds for two minutes meets the site's limit of asks per address an hour, rightly.
ASKS_EACH = 3


def _take(role: str) -> dict:
    """Each simulated person signs in as one of the seeded people of that role, in turn."""
    people = DATA[role]
    return people[next(_numbers) % len(people)]


def _ok(response, *expected: int) -> None:
    if response.status_code not in (expected or (200,)):
        response.failure(f"{response.status_code}")


class Resident(HttpUser):
    weight = 3
    wait_time = between(1, 3)

    def on_start(self):
        n = next(_numbers)
        self.asked = 0
        self.number = n
        self.client.headers["X-Forwarded-For"] = f"10.{n // 250 % 250}.{n % 250}.1"
        self.street = random.choice(DATA["streets"])

    @task(3)
    def search(self):
        with self.client.get("/find/", params={"q": random.choice(DATA["postcodes"])},
                             name="directory search", catch_response=True) as r:
            _ok(r)

    @task(1)
    def ask(self):
        if self.asked >= ASKS_EACH:  # someone else comes to the site (a fresh address)
            self.on_start()
        with self.client.get(f"/groups/{self.street}/ask/", name="ask form",
                             catch_response=True) as r:
            _ok(r)
            token, offered = TOKEN.search(r.text), OFFERED.findall(r.text)
        if token is None or not offered:
            return
        self.asked += 1
        with self.client.post(f"/groups/{self.street}/ask/", name="ask (send)",
                              allow_redirects=False, catch_response=True, data={
                                  "csrfmiddlewaretoken": token.group(1),
                                  "name": f"Load resident {self.number}",
                                  # One number per person and ask: the site limits asks
                                  # per number, as it should. (07400: a range in use, all of it;
                                  # parts of 07911 are not, and were refused as not a number.)
                                  "phone": f"07400 {self.number % 1000:03d}"
                                           f"{self.asked % 1000:03d}",
                                  "email": "", "contact_by": "call", "postcode": "W10 5NW",
                                  "language": "", "service": random.choice(offered),
                                  "details": "Milk and bread, please", "urgency": "soon",
                                  "when": "", "consent": "on"}) as r:
            _ok(r, 302)


class SignedIn(HttpUser):
    abstract = True
    role = ""

    def on_start(self):
        self.me = _take(self.role)
        self.client.cookies.set("sessionid", self.me["session"])


class Volunteer(SignedIn):
    weight = 3
    wait_time = between(1, 3)
    role = "volunteers"

    def on_start(self):
        super().on_start()
        self.offers = list(self.me["offers"])
        random.shuffle(self.offers)

    @task(1)
    def home(self):
        with self.client.get("/volunteer/", name="volunteer home", catch_response=True) as r:
            _ok(r)

    @task(2)
    def answer(self):
        if not self.offers:
            return self.home()
        pk = self.offers.pop()
        with self.client.get(f"/volunteer/offers/{pk}/", name="offer",
                             catch_response=True) as r:
            _ok(r)
            token = TOKEN.search(r.text)
        if token is None:  # another simulated person with the same account answered it
            return None
        with self.client.post(f"/volunteer/offers/{pk}/", name="offer (decline)",
                              catch_response=True, data={
                                  "csrfmiddlewaretoken": token.group(1), "action": "decline",
                                  "reason": "busy"}) as r:
            _ok(r)
        return None


class Coordinator(SignedIn):
    weight = 2
    wait_time = between(1, 3)
    role = "coordinators"

    @task(3)
    def request_list(self):
        with self.client.get(f"/g/{self.me['slug']}/requests/", name="request list",
                             catch_response=True) as r:
            _ok(r)

    @task(1)
    def closed_requests(self):
        with self.client.get(f"/g/{self.me['slug']}/requests/", name="request list (closed, page 3)",
                             params={"state": "closed", "page": 3}, catch_response=True) as r:
            _ok(r)

    @task(2)
    def request_detail(self):
        reference = random.choice(self.me["references"])
        with self.client.get(f"/g/{self.me['slug']}/requests/{reference}/", name="request",
                             catch_response=True) as r:
            _ok(r)


class CallHandler(SignedIn):
    weight = 2
    wait_time = between(1, 3)
    role = "call_handlers"

    @task(3)
    def queue(self):
        with self.client.get(f"/g/{self.me['slug']}/callbacks/", name="call-back queue",
                             catch_response=True) as r:
            _ok(r)

    @task(2)
    def callback(self):
        if not self.me["callbacks"]:
            return
        pk = random.choice(self.me["callbacks"])
        with self.client.get(f"/g/{self.me['slug']}/callbacks/{pk}/", name="call-back",
                             catch_response=True) as r:
            _ok(r)


class BareUser(HttpUser):
    wait_time = constant(0)

    @task
    def bare(self):
        self.client.get("/bench/bare/", name="bare view")


class CoordinatorFlatOut(SignedIn):
    wait_time = constant(0)
    role = "coordinators"

    @task
    def request_list(self):
        self.client.get(f"/g/{self.me['slug']}/requests/", name="request list (flat out)")
