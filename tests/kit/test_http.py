"""The shared TLS context of outgoing clients verifies as httpx's own default does."""

from __future__ import annotations

import ssl

from payam.kit.http import trusted_authorities


def test_the_shared_context_checks_certificates_and_names_and_is_built_once() -> None:
    context = trusted_authorities()

    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.get_ca_certs()  # certifi's authorities are loaded
    assert trusted_authorities() is context
