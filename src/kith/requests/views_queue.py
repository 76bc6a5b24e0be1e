from django.http import Http404


def queue(request, *args, **kwargs):  # placeholder until built
    raise Http404


def missed_call(request, *args, **kwargs):  # placeholder until built
    raise Http404


def callback(request, *args, **kwargs):  # placeholder until built
    raise Http404


def claim(request, *args, **kwargs):  # placeholder until built
    raise Http404


def release(request, *args, **kwargs):  # placeholder until built
    raise Http404


def attempt(request, *args, **kwargs):  # placeholder until built
    raise Http404


def intake(request, *args, **kwargs):  # placeholder until built
    raise Http404
