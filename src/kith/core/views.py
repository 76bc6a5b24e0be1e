from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET


@require_GET
def home(request):
    if request.user.is_authenticated:
        return redirect("groups:start")
    return render(request, "core/home.html")


@require_GET
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico on every site, whatever the page links: send them to
    Kith's icon (a redirect, since the static file's name carries its hash)."""
    from django.templatetags.static import static

    response = redirect(static("kith/favicon.svg"))
    response["Cache-Control"] = "public, max-age=86400"
    return response


def forbidden(request, exception=None):
    message = str(exception) if exception and str(exception) else (
        "You don't have access to this page."
    )
    return render(request, "403.html", {"message": message}, status=403)


def csrf_failure(request, reason=""):
    """Kith's page for a refused form post; Django's own has an inline style the CSP blocks."""
    message = _("This form could not be sent: it may have been open too long, or your browser "
                "blocks cookies. Go back, reload the page and try again.")
    return render(request, "403.html", {"heading": _("Your form was not sent"), "message": message},
                  status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def database_unreachable(exc: BaseException | None) -> bool:
    """The database could not be reached or dropped the connection (restarted, failed over,
    too busy to take another): a passing outage, not a fault in Kith. A full disk has its own
    page (core.middleware.DiskFullMiddleware)."""
    from django.db import InterfaceError, OperationalError

    from kith.core.middleware import no_room_left

    return isinstance(exc, OperationalError | InterfaceError) and not no_room_left(exc)


def server_error(request):
    import sys

    if database_unreachable(sys.exc_info()[1]):
        return database_unavailable(request)
    return HttpResponse(
        "<!doctype html><title>Something went wrong</title><h1>Something went wrong</h1>"
        "<p>Nothing you typed was lost on our side; please try again in a minute.</p>",
        status=500,
    )


def database_unavailable(request):
    """A calm 503 while the database is away, rendered without touching it: no request context
    (the session and the signed-in person live in the database), so the page shows as it does
    to someone not signed in. Any change that met the outage was inside its transaction and has
    been rolled back, or had committed before it; the page tells people to check and retry."""
    from django.template.loader import render_to_string

    response = HttpResponse(render_to_string("503_database.html"), status=503)
    response["Retry-After"] = "30"
    return response
