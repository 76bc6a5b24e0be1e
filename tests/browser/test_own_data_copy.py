"""Tom, on his phone, downloads a copy of everything Kith holds about him, with who looked."""

from __future__ import annotations

import re
import time

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _code_mail(mailbox, to: str, timeout: float = 10.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in mailbox.messages:
            if to in str(message["To"]) and "download your data" in str(message["Subject"]):
                body = message.get_body(preferencelist=("plain",)).get_content()
                return re.search(r"\b(\d{6})\b", body).group(1)
        time.sleep(0.1)
    raise AssertionError("no code to download data arrived")


def test_a_volunteer_downloads_their_own_copy_on_a_phone(live_server, page, enter_emailed_code,
                                                         smtp_mailbox, screenshot, axe_check,
                                                         tom, priya, street):
    from kith.core.privacy import reveal
    from tests.conftest import enable_totp
    from tests.test_permission_matrix import cleared_volunteer

    cleared_volunteer(tom, street, coordinator=priya)
    tom.phone = "07700 900123"
    tom.save()
    enable_totp(priya)
    reveal(tom, "phone", viewer=priya, group=street, reason="Calling about Saturday's shopping",
           permission="volunteers.contact")

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Your email address").fill("tom@example.org")
    page.get_by_role("button", name="Send me a code").click()
    enter_emailed_code("tom@example.org", "own-copy-01-sign-in-code")
    page.wait_for_url(re.compile(r"/volunteer/"))
    page.goto(live_server.url + "/account/")
    page.get_by_role("link", name="Download a copy of your data").click()
    page.wait_for_url("**/account/my-data/")
    axe_check("ask for a code to download one's data")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("The 6-digit code").wait_for()
    page.get_by_label("The 6-digit code").fill("12")
    page.get_by_role("button", name="Show my data").click()
    page.get_by_text("Type the 6 digits of the code").first.wait_for()
    axe_check("a code that is not six digits")
    screenshot("own-copy-02-wrong-code")
    page.get_by_label("The 6-digit code").fill(_code_mail(smtp_mailbox, "tom@example.org"))
    page.get_by_role("button", name="Show my data").click()
    page.wait_for_url("**/account/my-data/copy/")
    page.get_by_role("heading", name="Who looked at your details").wait_for()
    content = page.content()
    assert "07700 900123" in content
    assert "Calling about Saturday&#x27;s shopping" in content or \
        "Calling about Saturday's shopping" in content
    assert "Priya" in content
    axe_check("one's own copy of one's data")
    screenshot("own-copy-03-the-copy")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as a file (JSON)").click()
    path = download.value.path()
    data = path.read_text(encoding="utf-8")
    assert '"access_log"' in data and "07700 900123" in data
