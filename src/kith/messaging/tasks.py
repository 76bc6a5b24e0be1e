"""The one task: send these messages. The message rows say what is left to do."""

from __future__ import annotations

from django_tasks import task


@task()
def send_messages(ids: list[int]) -> dict[str, int]:
    from kith.messaging import outbox, providers

    done: dict[str, int] = {}
    with providers.mail_session() as mail:
        for pk in ids:
            state = outbox.send_one(pk, mail=mail)
            done[state or "skipped"] = done.get(state or "skipped", 0) + 1
    return done
