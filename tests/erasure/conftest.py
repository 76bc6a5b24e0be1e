import pytest


@pytest.fixture(autouse=True)
def own_erasure_log(settings, tmp_path):
    """Each test its own erasure log: the test var/ is shared by the whole run, and a log
    naming ids from another test's (rolled back) database would erase the wrong rows."""
    settings.KITH_ERASURE_LOG = tmp_path / "erasure-log.jsonl"
    return settings.KITH_ERASURE_LOG
