from django.http import Http404


def ask(request, *args, **kwargs):  # placeholder until built
    raise Http404


def ask_sent(request, *args, **kwargs):  # placeholder until built
    raise Http404


def refer(request, *args, **kwargs):  # placeholder until built
    raise Http404


def status_start(request, *args, **kwargs):  # placeholder until built
    raise Http404


def status_code(request, *args, **kwargs):  # placeholder until built
    raise Http404


def status_view(request, *args, **kwargs):  # placeholder until built
    raise Http404
