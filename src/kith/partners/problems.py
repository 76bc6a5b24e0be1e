"""Every error the partner API gives is a JSON problem (RFC 9457): type, title, status and
detail, with `errors` naming each wrong field when there are any. Never HTML, never a 500
page: the exception handlers in api.py and `ApiProblemMiddleware` (for what happens outside
django-ninja's views: an unknown address, a method the address does not take, a body too big
or not JSON) all answer through `problem_response`.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpResponse

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
MEDIA_TYPE = "application/problem+json"
MAX_BODY = 256 * 1024  # bytes; a run of 200 stops is well under this
JSON_TYPES = ("application/json",)

TITLES = {
    400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found",
    405: "Method not allowed", 413: "Too large", 415: "Unsupported media type",
    422: "Invalid data", 429: "Too many requests", 500: "Something went wrong",
}


class Problem(Exception):
    """Raised anywhere in the API; answered as a problem document."""

    def __init__(self, status: int, detail: str, *, slug: str = "", title: str = "",
                 errors: dict[str, list[str]] | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.slug = slug or TITLES.get(status, "error").lower().replace(" ", "-")
        self.title = title or TITLES.get(status, "Error")
        self.errors, self.headers = errors, headers or {}


def problem_response(problem: Problem) -> HttpResponse:
    body = {"type": f"urn:kith:problem:{problem.slug}", "title": problem.title,
            "status": problem.status, "detail": problem.detail}
    if problem.errors:
        body["errors"] = problem.errors
    response = HttpResponse(json.dumps(body), status=problem.status, content_type=MEDIA_TYPE)
    for name, value in problem.headers.items():
        response[name] = value
    if problem.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="kith"'
    return response


def _is_json(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in JSON_TYPES


def check_body(request) -> Problem | None:
    """A body Kith will not read, said before anything reads it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return Problem(400, "The Content-Length header is not a number.")
    if length > MAX_BODY:
        return Problem(413, f"The body is {length} bytes; the most Kith reads is {MAX_BODY}.")
    if length and request.method in ("POST", "PUT", "PATCH") \
            and not _is_json(request.content_type or ""):
        return Problem(415, "Send the body as JSON, with the header Content-Type: "
                            "application/json.")
    return None


def _method_not_allowed(response) -> Problem:
    allowed = response.get("Allow", "")
    problem = Problem(405, f"This address does not take that method. It takes: {allowed}.")
    problem.headers["Allow"] = allowed
    return problem


class ApiProblemMiddleware:
    """Under /api/v1/ only: refuse bodies the API will not read, and turn any answer that is
    not JSON (Django's 404 page, django-ninja's plain 405, a crash) into a problem."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        refused = check_body(request)
        if refused is not None:
            return problem_response(refused)
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if response.status_code < 400 or content_type.startswith(("application/json", MEDIA_TYPE)):
            return response
        if response.status_code == 405:
            return problem_response(_method_not_allowed(response))
        if response.status_code == 404:
            return problem_response(Problem(404, "There is nothing at this address in the "
                                                 "partner API."))
        return problem_response(Problem(response.status_code if response.status_code < 500
                                        else 500, TITLES.get(response.status_code, "Error")))

    def process_exception(self, request, exception):
        from django.core.exceptions import PermissionDenied
        from django.http import Http404

        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, Http404):
            return problem_response(Problem(404, "There is nothing at this address in the "
                                                 "partner API. Its schema is at "
                                                 f"{API_PREFIX}openapi.json."))
        if isinstance(exception, PermissionDenied):
            return problem_response(Problem(403, "Not allowed."))
        logger.exception("partner API: unexpected error")
        return problem_response(Problem(500, "Kith could not answer this. It has been logged; "
                                             "please try again later."))
