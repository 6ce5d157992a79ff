"""Input rules for accounts. Pure functions: they return the cleaned value or raise."""

from __future__ import annotations

import re

from resolvers.errors import bad_input

USERNAME_RE = re.compile(r"^[a-z0-9._]{3,30}$")
PASSWORD_MIN = 8
PASSWORD_MAX = 256  # bounds the argon2 work an anonymous request can cause
DISPLAY_NAME_MAX = 64
BIO_MAX = 500


def clean_username(raw: str) -> str:
    """Usernames are stored lower-case, so `Alice` and `alice` are the same account."""
    username = raw.strip().lower()
    if not USERNAME_RE.match(username):
        raise bad_input(
            "Username must be 3 to 30 characters of a-z, 0-9, '.' and '_'", field="username"
        )
    return username


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise bad_input(f"Password must be at least {PASSWORD_MIN} characters", field="password")
    if len(password) > PASSWORD_MAX:
        raise bad_input(f"Password must be at most {PASSWORD_MAX} characters", field="password")
    return password


def clean_display_name(raw: str | None) -> str | None:
    if raw is None:
        return None
    name = " ".join(raw.split())
    if len(name) > DISPLAY_NAME_MAX:
        raise bad_input(
            f"Display name must be at most {DISPLAY_NAME_MAX} characters", field="displayName"
        )
    return name or None


def clean_bio(raw: str | None) -> str | None:
    if raw is None:
        return None
    bio = raw.strip()
    if len(bio) > BIO_MAX:
        raise bad_input(f"Bio must be at most {BIO_MAX} characters", field="bio")
    return bio or None
