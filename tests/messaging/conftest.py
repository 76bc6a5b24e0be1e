import pytest

from tests.messaging.standin import StandIn

ACCOUNT = "AC" + "1" * 32
TOKEN = "test-twilio-auth-token"


@pytest.fixture
def standin():
    s = StandIn().start()
    yield s
    s.stop()


@pytest.fixture
def twilio(settings, standin):
    """Texts go through twilio's real client to the stand-in on 127.0.0.1."""
    settings.KITH_SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.TWILIO_FROM_NUMBER = "+447700900001"
    settings.TWILIO_API_BASE = standin.url
    return standin


@pytest.fixture
def db_queue(settings):
    """The real database backend: messages wait for a worker (outbox.recover/`kith worker`)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    yield
