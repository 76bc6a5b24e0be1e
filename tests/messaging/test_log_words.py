"""The message log says what each text was about, without showing its words."""

from __future__ import annotations

import pytest

from kith.messaging import outbox

pytestmark = pytest.mark.django_db


def test_the_group_log_names_what_each_text_was_about(client, db_queue, priya, tom, street):
    for kind in ("offer", "reminder", "status_code", "reply", "status", ""):
        outbox.queue_text(to="+447911123456", body=f"Secret words {kind}", person=tom,
                          group=street, template=kind)
    client.force_login(priya)
    page = client.get(f"/g/{street.slug}/messages/").content.decode()
    for words in ("Offer of a task", "Reminder", "Code", "Answer to their text",
                  "News of their request", "Text message"):
        assert f">{words}</td>" in page, words
    assert "Secret words" not in page
