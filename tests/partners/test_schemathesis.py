"""Schemathesis against the partner API's own OpenAPI schema, inside `make test`.

Generated requests, valid and invalid (negative mode), go through Django's WSGI handler in
this test's thread and database, with a real token for Golborne Road's partner. Every answer
must be no server error and exactly what the schema promises: its status codes, its media
types (problems as application/problem+json), its bodies and headers. Bounded: at least
MINIMUM cases in total, derandomised so a run is repeatable; about 30 seconds here.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = pytest.mark.django_db

MINIMUM = 1000
PER_OPERATION_AND_MODE = 85  # 6 operations x 2 modes = 1,020, and the examples
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest.fixture
def connections_kept():
    """As Django's test client does: a request's end must not close this test's database
    connection (its transaction holds the token)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_api_keeps_to_its_schema(secret, settings, connections_kept):
    settings.KITH_API_RATE_LIMIT = 100_000  # the limit has its own test; here, the logic
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    headers = {"Authorization": f"Bearer {secret}"}
    calls, statuses, started = 0, set(), time.monotonic()

    def run_example(strategy):
        """The schema's own examples, which reach the writes (random text is rarely a real
        UK phone number and postcode)."""

        @hypothesis_settings(max_examples=5, deadline=None, database=None, derandomize=True,
                             phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def call(case):
            nonlocal calls
            calls += 1
            if "group" in case.path_parameters:
                case.path_parameters["group"] = "golborne-road"
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            statuses.add(response.status_code)

        call()

    def run(operation, mode):
        nonlocal calls
        checks = CHECKS + ([negative_data_rejection] if mode == GenerationMode.NEGATIVE else [])
        strategy = operation.as_strategy(generation_mode=mode,
                                         path_parameters=_in_golborne(operation))

        @hypothesis_settings(max_examples=PER_OPERATION_AND_MODE, deadline=None, database=None,
                             derandomize=True, phases=[Phase.generate],
                             suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def call(case):
            nonlocal calls
            calls += 1
            response = case.call_and_validate(headers=headers, checks=checks)
            statuses.add(response.status_code)

        call()

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            run(operation, mode)
        for example in schema.get_strategies_from_examples(operation):
            run_example(example)
    print(f"schemathesis: {calls} cases in {time.monotonic() - started:.1f} s, statuses "
          f"{sorted(statuses)}")
    assert calls >= MINIMUM
    assert {200, 201, 404, 422} <= statuses  # it reached the logic, not only the refusals


def _in_golborne(operation):
    """The token's own group in the path (another group's is a 404, tested elsewhere), so the
    generated bodies reach intake; negative mode still varies everything else."""
    names = {p.name for p in operation.path_parameters}
    return {"group": "golborne-road"} if "group" in names else None
