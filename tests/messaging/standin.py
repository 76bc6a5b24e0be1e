"""A stand-in for Twilio's Messages API on 127.0.0.1, for tests and the bench.

Speaks just enough of the REST API for twilio's own client: POST .../Messages.json creates a
message and answers with its sid; WhatsApp too ("whatsapp:+44..." on both sides, a plain body
or an approved template by ContentSid and ContentVariables). Like the provider Kith expects, it
keeps the first message per Idempotency-Key and answers a repeat with the same sid, sending
nothing new. It can be told to fail the next N calls (503, "try later") or to refuse a number
for good (a Twilio error code).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT = "AC" + "1" * 32  # what the tests configure twilio's client with
TOKEN = "test-twilio-auth-token"


class StandIn:
    def __init__(self, *, delay: float = 0.0) -> None:
        self.lock = threading.Lock()
        self.delivered: list[dict] = []  # one per message actually "sent"
        self.by_key: dict[str, str] = {}
        self.calls = 0
        self.repeats = 0
        self.fail_next = 0
        self.refused: dict[str, int] = {}  # number -> Twilio error code
        self.delay = delay
        self.after_create = None  # called with the count once a message is taken, before the answer
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, payload = standin.create(form, self.headers.get("Idempotency-Key", ""))
                body = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:  # the worker was killed while waiting for the answer
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> StandIn:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def create(self, form: dict, key: str) -> tuple[int, dict]:
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            self.calls += 1
            if self.fail_next > 0:
                self.fail_next -= 1
                return 503, {"code": 20503, "message": "Service unavailable", "status": 503}
            to = form.get("To", "")
            problem = self.malformed(form)
            if problem:
                return 400, problem
            if to in self.refused:
                return 400, {"code": self.refused[to], "message": "refused", "status": 400}
            if key and key in self.by_key:
                self.repeats += 1
                return 201, self._payload(self.by_key[key], form)
            sid = f"SM{len(self.delivered) + 1:032d}"
            if key:
                self.by_key[key] = sid
            self.delivered.append({"sid": sid, "key": key, "to": to, "body": form.get("Body", ""),
                                   "callback": form.get("StatusCallback", ""),
                                   "from": form.get("From", ""),
                                   "content_sid": form.get("ContentSid", ""),
                                   "content_variables": form.get("ContentVariables", "")})
            if self.after_create is not None:
                self.after_create(len(self.delivered))
            return 201, self._payload(sid, form)

    @staticmethod
    def malformed(form: dict) -> dict | None:
        """Twilio's answers to a send it cannot make sense of (its own error codes)."""
        whatsapp = [form.get(side, "").startswith("whatsapp:") for side in ("To", "From")]
        if whatsapp[0] != whatsapp[1]:
            return {"code": 21910, "message": "Invalid From and To pair", "status": 400}
        if not form.get("Body") and not form.get("ContentSid"):
            return {"code": 21602, "message": "Message body is required", "status": 400}
        return None

    @staticmethod
    def _payload(sid: str, form: dict) -> dict:
        return {"sid": sid, "status": "queued", "to": form.get("To"), "from": form.get("From"),
                "body": form.get("Body"), "account_sid": "AC" + "0" * 32, "num_segments": "1"}
