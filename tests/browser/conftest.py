"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Skipped, with the reason, where /usr/bin/chromium is missing; CI installs it.
Screenshots go to test-artifacts/ at the repository root.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from email import message_from_bytes, policy
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("KITH_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]

# Playwright's sync API keeps an event loop in this thread; the ORM calls the tests make
# between page actions are still synchronous, so Django's async guard is relaxed here only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(
                    reason=f"no Chromium at {CHROMIUM}: apt-get install chromium to run browser tests"
                ))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A phone-sized page. Anything the Content-Security-Policy blocks fails the test: Chromium
    reports it as a console error ("Refused to … because it violates … Content Security Policy")."""
    context = browser.new_context(viewport={"width": 412, "height": 915}, locale="en-GB")
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(f"{page.url}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert not blocked, "The Content-Security-Policy blocked:\n" + "\n".join(blocked)


@pytest.fixture
def screenshot(page):
    ARTIFACTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def axe_check(page):
    """Run axe-core on the current page; fail listing every violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(label: str) -> None:
        results = axe.run(page)
        assert results.violations_count == 0, f"{label}: {results.generate_report()}"

    return check


class Mailbox:
    """Messages a real SMTP server on 127.0.0.1 received during the test."""

    def __init__(self):
        self.messages = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        with self.arrived:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
            self.arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, to: str, timeout: float = 10.0):
        with self.arrived:
            ok = self.arrived.wait_for(
                lambda: any(to in str(m["To"]) for m in self.messages), timeout=timeout
            )
        assert ok, f"no mail for {to} within {timeout}s"
        return [m for m in self.messages if to in str(m["To"])][-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_mailbox(settings):
    """A real SMTP server (aiosmtpd) that Django sends to over a socket."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    yield mailbox
    controller.stop()


def code_from(message) -> str:
    """The sign-in code in one of allauth's emails."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})*)\s*$", body, re.MULTILINE)
    assert match, f"no code in the email:\n{body}"
    return match.group(1)


@pytest.fixture
def enter_emailed_code(page, smtp_mailbox, screenshot, axe_check):
    """Read the code mailed to `email` over SMTP and type it on allauth's code page."""

    def enter(email: str, shot: str) -> None:
        code = code_from(smtp_mailbox.wait_for(email))
        page.wait_for_url("**/login/code/confirm/**")
        axe_check(f"enter the code sent to {email}")
        screenshot(shot)
        page.get_by_label(re.compile("code", re.I)).fill(code)
        page.get_by_role("button", name=re.compile("sign in|confirm", re.I)).click()

    return enter
