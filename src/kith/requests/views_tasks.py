from django.http import Http404


def task(request, *args, **kwargs):  # placeholder until built
    raise Http404
