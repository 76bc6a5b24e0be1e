import pytest

from tests.messaging.standin import ACCOUNT, TOKEN

__all__ = ["ACCOUNT", "TOKEN"]  # the stand-in and twilio fixtures are in tests/conftest.py


@pytest.fixture
def db_queue(settings):
    """The real database backend: messages wait for a worker (outbox.recover/`kith worker`)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend",
                                  "QUEUES": settings.TASK_QUEUES}}
    yield
