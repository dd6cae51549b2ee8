"""The shared secret's development value, known to both ends so the demo runs without setup.

Why here: the action server signs with the secret and the handoff service verifies with it, and
each refuses to run in production with this value; one definition keeps the two in step. (The
settings modules read the environment; this module only names the value.)
"""

from __future__ import annotations

DEV_SECRET = "kefu-dev-secret-change-me"


def is_dev_secret(secret: str) -> bool:
    """Whether `secret` is the published development value: fine on a laptop, a forgery key in
    production, where anyone who read the source could sign hand-overs."""
    return secret == DEV_SECRET
