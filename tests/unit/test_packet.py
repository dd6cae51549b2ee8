"""The handoff packet is versioned and signed: the handoff service takes hand-overs only from a
holder of the shared secret, and never the published development one in production."""

import pytest

from kefu_contract.packet import SIGNATURE_HEADER, TIMESTAMP_HEADER, HandoffPacket, SignatureError, sign, verify
from kefu_contract.secrets import DEV_SECRET, is_dev_secret

BODY = HandoffPacket(conversation_id="c1", reason="explicit_request").model_dump_json().encode()


def test_a_signed_body_verifies_and_returns_its_signature_as_replay_key():
    headers = sign(BODY, "s3cret", timestamp=1_000)
    assert verify(BODY, headers, "s3cret", max_age_seconds=60, now=1_010) == headers[SIGNATURE_HEADER]


@pytest.mark.parametrize(
    ("secret", "body", "now", "message"),
    [
        ("other", BODY, 1_010, "does not match"),
        ("s3cret", BODY.replace(b"c1", b"c2"), 1_010, "does not match"),
        ("s3cret", BODY, 2_000, "too old"),
    ],
)
def test_forged_tampered_or_stale_posts_are_refused(secret: str, body: bytes, now: int, message: str):
    headers = sign(BODY, "s3cret", timestamp=1_000)
    with pytest.raises(SignatureError, match=message):
        verify(body, headers, secret, max_age_seconds=60, now=now)


def test_missing_headers_are_refused():
    with pytest.raises(SignatureError, match="missing"):
        verify(BODY, {TIMESTAMP_HEADER: "1000"}, "s3cret", max_age_seconds=60, now=1_000)


def test_the_schema_is_versioned_and_rejects_unknown_reasons():
    assert HandoffPacket(conversation_id="c1", reason="upset").schema_version == 1
    with pytest.raises(ValueError):
        HandoffPacket(conversation_id="c1", reason="felt_like_it")


def test_the_development_secret_is_told_apart_from_a_real_one():
    assert is_dev_secret(DEV_SECRET)
    assert not is_dev_secret("a-real-secret-from-the-environment")
    assert not is_dev_secret(DEV_SECRET.upper())
