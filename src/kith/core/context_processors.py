from django.conf import settings


def kith(request):
    return {"KITH_DEMO": settings.DEMO}
