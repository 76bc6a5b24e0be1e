"""Running a real `kith worker` process against the test database, for the fault tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}{port}/{db['NAME']}"
            "?application_name=kith-worker-under-test")


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    env.update({
        "DJANGO_SETTINGS_MODULE": "kith.settings",
        "DATABASE_URL": database_url(),
        "KITH_VAR_DIR": str(settings.VAR_DIR),
        "SECRET_KEY": settings.SECRET_KEY,
        "KITH_FIELD_KEYS": ",".join(settings.KITH_FIELD_KEYS),
        "KITH_DIGEST_KEY": settings.KITH_DIGEST_KEY,
        "KITH_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "KITH_SECURE": "0",
        "KITH_OUTBOX_STALE": "2",
        "SITE_URL": "http://127.0.0.1:1",
    })
    env.update(extra)
    return env


def start(env: dict[str, str], *args: str) -> subprocess.Popen:
    connection.close()  # SQLite: let the worker take its locks
    return subprocess.Popen(  # noqa: S603 - our own command, arguments fixed here
        [sys.executable, "-m", "kith.cli", "worker", "--interval", "0.05", "--recover-every", "0.5",
         "--claim-timeout", "1", "-v", "0", *args],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log_file().open("ab"))


def log_file():
    return Path(settings.VAR_DIR) / "worker-under-test.log"


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return log_file().read_text(errors="replace")[-3000:]


def wait_until(check, *, timeout: float, every: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return check()
