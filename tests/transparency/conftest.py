import pytest

from tests.messaging.conftest import task, volunteer  # noqa: F401 (fixtures the relay test asks for)
from tests.test_permission_matrix import World, ward_coordinator  # noqa: F401 (a fixture World asks for)


@pytest.fixture
def world(request):
    """Tom (a cleared volunteer with a task, an offer, a route, a claim) and Mrs Ahmed (a
    request, its callback, a series, a referral, the claim's money), as the matrix builds."""
    return World(request)
