"""Kith's addresses and three more that meet a full disk in each way a write can: a file, SQLite
and PostgreSQL. For tests/test_disk_full.py only."""

import errno

from django.db import OperationalError, transaction
from django.urls import path

from kith.groups.models import Group
from kith.urls import urlpatterns as kith_urlpatterns


class DiskFull(Exception):
    """Stands for psycopg's DiskFull: what Django wraps carries SQLSTATE 53100."""

    sqlstate = "53100"


def _half_then(error: BaseException):
    def view(request):
        with transaction.atomic():
            Group.objects.create(slug="half-written", name="Half written")
            raise error
    return view


def _postgres_full() -> OperationalError:
    error = OperationalError("could not extend file: No space left on device")
    error.__cause__ = DiskFull()
    return error


urlpatterns = [
    path("full/file/", _half_then(OSError(errno.ENOSPC, "No space left on device"))),
    path("full/sqlite/", _half_then(OperationalError("database or disk is full"))),
    path("full/postgres/", _half_then(_postgres_full())),
    path("full/other/", _half_then(OSError(errno.EACCES, "Permission denied"))),
    *kith_urlpatterns,
]
