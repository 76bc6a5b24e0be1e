from django.http import Http404


def request_list(request, *args, **kwargs):  # placeholder until built
    raise Http404


def policy(request, *args, **kwargs):  # placeholder until built
    raise Http404


def detail(request, *args, **kwargs):  # placeholder until built
    raise Http404


def move(request, *args, **kwargs):  # placeholder until built
    raise Http404


def assign(request, *args, **kwargs):  # placeholder until built
    raise Http404


def series_list(request, *args, **kwargs):  # placeholder until built
    raise Http404


def series_new(request, *args, **kwargs):  # placeholder until built
    raise Http404


def series(request, *args, **kwargs):  # placeholder until built
    raise Http404


def exclusions(request, *args, **kwargs):  # placeholder until built
    raise Http404


def lift_exclusion(request, *args, **kwargs):  # placeholder until built
    raise Http404
