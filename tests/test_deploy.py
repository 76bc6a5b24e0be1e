"""Production refuses unsafe defaults, and `kith check --deploy` with DEPLOY.md's settings is
clean but for HSTS preload (an opt-in)."""

from __future__ import annotations

import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from kith.core import checks, sms
from kith.env import url_origin

ROOT = Path(__file__).resolve().parents[1]
KITH = Path(sys.executable).parent / "kith"
NUMBER = "+447911123456"


def _ids(found) -> list[str]:
    return [message.id for message in found]


# --- text messages


@pytest.fixture
def production(settings):
    """Settings as on a real server: neither the demo nor DEBUG."""
    settings.KITH_LOCAL_DELIVERY = False
    return settings


def test_it_writes_no_texts_to_disk_in_production(production, caplog):
    """Before, the default backend wrote residents' numbers and codes to var/sms/ in production."""
    production.KITH_SMS_BACKEND = "file"
    with caplog.at_level(logging.ERROR, logger="kith.core.sms"):
        assert sms.send_sms(NUMBER, "Your code is 123456") is False
    assert not (production.VAR_DIR / "sms").exists()
    assert "not sent" in caplog.text
    assert NUMBER not in caplog.text and "123456" not in caplog.text


def test_it_keeps_no_texts_in_memory_in_production(production):
    production.KITH_SMS_BACKEND = "memory"
    sms.outbox.clear()
    assert sms.send_sms(NUMBER, "Your code is 123456") is False
    assert sms.outbox == []


GATEWAY: list[str] = []


def gateway(to: str, body: str) -> None:
    """A stand-in for an operator's gateway, named in KITH_SMS_BACKEND below."""
    GATEWAY.append(to)


def test_it_sends_texts_through_a_gateway_in_production(production):
    GATEWAY.clear()
    production.KITH_SMS_BACKEND = "tests.test_deploy.gateway"
    assert sms.send_sms(NUMBER, "Your code is 123456") is True
    assert GATEWAY == [NUMBER]
    assert checks.check_text_messages() == []


def test_it_uses_the_file_backend_only_when_the_demo_is_on(tmp_path):
    def backend_with(**env) -> str:
        code = "from django.conf import settings; print(repr(settings.KITH_SMS_BACKEND))"
        return _kith(["shell", "-c", code], tmp_path, env).stdout.strip().splitlines()[-1]

    assert backend_with() == "''"
    assert backend_with(KITH_DEMO="1") == "'file'"


@pytest.mark.parametrize("backend, ids", [
    ("file", ["kith.E001"]),
    ("memory", ["kith.E001"]),
    ("", ["kith.W001"]),
    ("none", []),
    ("kith.core.no_such_module.send", ["kith.E002"]),
    ("kith.core.sms.NONE", ["kith.E002"]),  # a string, not a function
    ("builtins.print", []),
])
def test_it_checks_the_text_backend_for_production(production, backend, ids):
    production.KITH_SMS_BACKEND = backend
    assert _ids(checks.check_text_messages()) == ids


def test_it_checks_twilio_is_configured(production):
    production.KITH_SMS_BACKEND = "twilio"
    production.TWILIO_ACCOUNT_SID = production.TWILIO_AUTH_TOKEN = ""
    production.TWILIO_FROM_NUMBER = "+447700900001"
    assert _ids(checks.check_text_messages()) == ["kith.E004"]
    production.TWILIO_ACCOUNT_SID, production.TWILIO_AUTH_TOKEN = "AC1", "token"
    assert _ids(checks.check_text_messages()) == []


def test_it_allows_the_file_backend_in_the_demo(settings):
    settings.KITH_LOCAL_DELIVERY, settings.KITH_SMS_BACKEND = True, "file"
    assert checks.check_text_messages() == []


@pytest.mark.parametrize("backend, ids", [
    ("django.core.mail.backends.filebased.EmailBackend", ["kith.E003"]),
    ("django.core.mail.backends.console.EmailBackend", ["kith.E003"]),
    ("django.core.mail.backends.smtp.EmailBackend", []),
])
def test_it_checks_the_mail_backend_for_production(production, backend, ids):
    production.EMAIL_BACKEND = backend
    assert _ids(checks.check_mail()) == ids


# --- the CSP's tile origin


@pytest.mark.parametrize("tiles, origin", [
    ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
    ("https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png?key=1", "https://*.tiles.example.org:8443"),
    ("//tiles.example.org/{z}/{x}/{y}.png", "tiles.example.org"),
    ("/map/blank/{z}/{x}/{y}.png", ""),
    ("", ""),
])
def test_it_finds_the_origin_the_tiles_come_from(tiles, origin):
    assert url_origin(tiles) == origin


# --- kith check --deploy, as DEPLOY.md says to run it


def deploy_variables(var_dir: Path) -> dict[str, str]:
    """The minimal configuration file in docs/DEPLOY.md, with its placeholders filled in."""
    text = (ROOT / "docs/DEPLOY.md").read_text()
    block = re.search(r"A minimal file:\s*```sh\n(.*?)```", text, re.S).group(1)
    variables = {}
    for line in block.splitlines():
        if line.strip() and not line.startswith("#"):
            name, value = line.split("=", 1)
            variables[name] = value.strip("'")
    variables["SECRET_KEY"] = secrets.token_urlsafe(50)  # "a long random string"
    variables["KITH_VAR_DIR"] = str(var_dir)
    return variables


def _kith(args: list[str], var_dir: Path, extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    env.update(extra, KITH_VAR_DIR=str(var_dir))
    return subprocess.run([str(KITH), *args], env=env, capture_output=True, text=True,  # noqa: S603 - our own command
                          timeout=120)


def test_it_passes_the_deploy_check_with_the_guides_settings_but_for_hsts_preload(tmp_path):
    variables = deploy_variables(tmp_path)
    assert variables["ALLOWED_HOSTS"] == "kith.example.org"  # the block was found
    result = _kith(["check", "--deploy"], tmp_path, variables)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.findall(r"\((\w+\.\w+)\)", output) == ["security.W021"], output


def test_it_fails_the_deploy_check_with_the_file_text_backend(tmp_path):
    variables = deploy_variables(tmp_path) | {"KITH_SMS_BACKEND": "file"}
    result = _kith(["check", "--deploy"], tmp_path, variables)
    assert result.returncode != 0
    assert "(kith.E001) KITH_SMS_BACKEND is 'file'" in result.stderr
