"""Finding who a sign-in number belongs to: `python -m bench.text_sign_in [--people N] [--json]`.

Phone numbers on `Person` are sealed (encrypted), so they cannot be searched for. Compares, on
a throwaway SQLite database with N people (half with a mobile number):

- "open every phone" (the baseline): what finding a person by number would cost without
  `Person.phone_digest`: read every sealed number, open it, compare;
- "digest lookup": `KithAccountAdapter.get_user_by_phone()`, one indexed query by the keyed
  digest of the normalised number, as sign-in by text does it;
- "fill digests": the data migration that gives people already on Kith their digest.

Tests never time anything; this does.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time


def _setup(var_dir: str) -> None:
    os.environ["KITH_VAR_DIR"] = var_dir
    os.environ.setdefault("SECRET_KEY", "bench-not-secret")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kith.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _people(n: int) -> list[str]:
    from kith.accounts.models import Person
    from kith.core.digest import phone_digest

    people, numbers = [], []
    for i in range(n):
        number = f"+4479112{i:05d}" if i % 2 else None
        person = Person(email=f"person{i}@example.org", display_name=f"Person {i}", phone=number,
                        phone_digest=phone_digest(number or ""))
        person.set_unusable_password()
        people.append(person)
        if number:
            numbers.append(f"07911 2{i:05d}")
    Person.objects.bulk_create(people, batch_size=500)
    return numbers


def _open_every_phone(number: str):
    from kith.accounts.models import Person
    from kith.core import crypto
    from kith.core.phones import normalise_uk_phone

    wanted = normalise_uk_phone(number)
    for person in Person.objects.exclude(phone=None).only("pk", "phone").iterator(chunk_size=2000):
        if crypto.decrypt(person.phone.token) == wanted:
            return person
    return None


def run(people: int = 20_000, lookups: int = 200) -> dict:
    var_dir = tempfile.mkdtemp(prefix="kith-bench-text-sign-in-")
    try:
        _setup(var_dir)
        import importlib

        from django.apps import apps

        from kith.accounts.adapter import KithAccountAdapter
        from kith.accounts.models import Person

        numbers = _people(people)
        adapter = KithAccountAdapter()
        wanted = numbers[len(numbers) // 2]

        started = time.perf_counter()
        found_slow = _open_every_phone(wanted)
        baseline = time.perf_counter() - started

        picks = [numbers[(i * 7919) % len(numbers)] for i in range(lookups)]
        started = time.perf_counter()
        found = [adapter.get_user_by_phone(f"+44{n[1:].replace(' ', '')}") for n in picks]
        per_lookup = (time.perf_counter() - started) / lookups
        assert found_slow is not None and all(found)

        Person.objects.update(phone_digest="")
        fill = importlib.import_module("kith.accounts.migrations.0005_fill_phone_digest").fill
        started = time.perf_counter()
        fill(apps, None)
        filled = time.perf_counter() - started
        return {"people": people, "with_phone": len(numbers), "lookups": lookups,
                "open_every_phone_s": round(baseline, 4),
                "digest_lookup_ms": round(per_lookup * 1000, 3),
                "speed_up": round(baseline / per_lookup),
                "fill_digests_s": round(filled, 3),
                "fill_people_per_s": round(len(numbers) / filled)}
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def format_report(r: dict) -> str:
    return "\n".join([
        f"Finding a person by a sign-in number, {r['people']:,} people "
        f"({r['with_phone']:,} with a phone), SQLite:",
        f"  baseline       {r['open_every_phone_s'] * 1000:8.1f} ms  (open every sealed phone)",
        f"  digest lookup  {r['digest_lookup_ms']:8.3f} ms  (mean of {r['lookups']}; "
        f"x{r['speed_up']:,} faster than the baseline)",
        f"  fill digests   {r['fill_digests_s']:8.2f} s   (the migration: "
        f"{r['fill_people_per_s']:,} people/s)",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    results = run(args.people)
    print(json.dumps(results, indent=2) if args.json else format_report(results))


if __name__ == "__main__":
    main()
