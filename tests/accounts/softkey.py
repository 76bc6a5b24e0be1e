"""A passkey in software, for tests: what a phone does when it makes or uses a passkey.

It answers the options Kith's pages give the browser (allauth's WebAuthn) with real
signatures over a P-256 key, so the server's checks (challenge, site, flags, signature) run
exactly as for a phone. Built from the fido2 package's own data types.
"""

from __future__ import annotations

import hashlib
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    Aaguid,
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)

FLAGS = AuthenticatorData.FLAG


class SoftPasskey:
    def __init__(self, origin: str = "http://localhost", *, verifies_user: bool = True):
        self.origin = origin
        self.rp_id = origin.split("://", 1)[1].split(":")[0]
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.user_handle = b""
        self.counter = 0
        # A passkey unlocked by fingerprint, face or PIN sets "user verified"; a bare key doesn't.
        self.flags = FLAGS.UP | (FLAGS.UV if verifies_user else 0)

    def _client_data(self, kind: str, challenge: str) -> CollectedClientData:
        return CollectedClientData.create(type=kind, challenge=websafe_decode(challenge),
                                          origin=self.origin)

    def create(self, options: dict) -> dict:
        """The browser's answer to navigator.credentials.create(options), as JSON."""
        public_key = options["publicKey"]
        self.user_handle = websafe_decode(public_key["user"]["id"])
        client_data = self._client_data(CollectedClientData.TYPE.CREATE, public_key["challenge"])
        attested = AttestedCredentialData.create(
            Aaguid.NONE, self.credential_id, ES256.from_cryptography_key(self.key.public_key()))
        auth_data = AuthenticatorData.create(
            hashlib.sha256(self.rp_id.encode()).digest(), self.flags | FLAGS.AT, self.counter,
            attested)
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "id": websafe_encode(self.credential_id), "rawId": websafe_encode(self.credential_id),
            "type": "public-key", "clientExtensionResults": {"credProps": {"rk": True}},
            "response": {"clientDataJSON": websafe_encode(client_data),
                         "attestationObject": websafe_encode(attestation)},
        }

    def get(self, options: dict) -> dict:
        """The browser's answer to navigator.credentials.get(options), as JSON."""
        self.counter += 1
        client_data = self._client_data(CollectedClientData.TYPE.GET,
                                        options["publicKey"]["challenge"])
        auth_data = AuthenticatorData.create(
            hashlib.sha256(self.rp_id.encode()).digest(), self.flags, self.counter)
        signature = self.key.sign(bytes(auth_data) + client_data.hash, ec.ECDSA(hashes.SHA256()))
        return {
            "id": websafe_encode(self.credential_id), "rawId": websafe_encode(self.credential_id),
            "type": "public-key", "clientExtensionResults": {},
            "response": {"clientDataJSON": websafe_encode(client_data),
                         "authenticatorData": websafe_encode(auth_data),
                         "signature": websafe_encode(signature),
                         "userHandle": websafe_encode(self.user_handle)},
        }


def options_on(page: str, key: str) -> dict:
    """The passkey options a Kith page hands its script (a json_script block)."""
    start = page.index('<script id="passkey-options" type="application/json">')
    body = page[page.index(">", start) + 1:page.index("</script>", start)]
    return json.loads(body)[key]
