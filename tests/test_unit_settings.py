"""Unit tests for `storage.settings.Settings.from_env` (pure; no embedded services)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from storage.settings import Settings, SettingsError


@dataclass(frozen=True)
class _WithFlag(Settings):
    """Settings has no bool field today; a subclass exercises bool parsing through from_env."""

    flag: bool = False


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.celebrity_followers == 10_000
    assert settings.active_days == 30


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("celebrity_followers", 10_000),
        ("active_days", 30),
        ("database_url", None),
        ("redis_url", None),
        ("data_dir", Path(".snapfeed")),
        ("allowed_origins", ()),
        ("cassandra_hosts", ()),
        ("port", 8000),
    ],
)
def test_default_values(field: str, expected: Any) -> None:
    assert getattr(Settings.from_env({}), field) == expected


@pytest.mark.parametrize(
    ("variable", "raw", "field", "expected"),
    [
        # int
        ("SNAPFEED_PORT", "9000", "port", 9000),
        ("SNAPFEED_PORT", " 9001 ", "port", 9001),
        ("SNAPFEED_PORT", "0", "port", 0),
        ("SNAPFEED_CELEBRITY_FOLLOWERS", "250", "celebrity_followers", 250),
        ("SNAPFEED_ACTIVE_DAYS", "-1", "active_days", -1),
        ("SNAPFEED_MAX_PAGE_SIZE", "100", "max_page_size", 100),
        # Path
        ("SNAPFEED_DATA_DIR", "/var/lib/snapfeed", "data_dir", Path("/var/lib/snapfeed")),
        ("SNAPFEED_DATA_DIR", "relative/dir", "data_dir", Path("relative/dir")),
        # optional str: empty means unset
        ("SNAPFEED_DATABASE_URL", "postgresql://db/x", "database_url", "postgresql://db/x"),
        ("SNAPFEED_DATABASE_URL", "", "database_url", None),
        ("SNAPFEED_REDIS_URL", "redis://cache:6379/0", "redis_url", "redis://cache:6379/0"),
        ("SNAPFEED_REDIS_URL", "", "redis_url", None),
        # plain str is kept verbatim
        ("SNAPFEED_LOG_LEVEL", "DEBUG", "log_level", "DEBUG"),
        ("SNAPFEED_HOST", "0.0.0.0", "host", "0.0.0.0"),
        # tuple: comma list, items stripped, empty items dropped
        ("SNAPFEED_ALLOWED_ORIGINS", "", "allowed_origins", ()),
        (
            "SNAPFEED_ALLOWED_ORIGINS",
            "https://a.example",
            "allowed_origins",
            ("https://a.example",),
        ),
        (
            "SNAPFEED_ALLOWED_ORIGINS",
            "https://a.example, https://b.example",
            "allowed_origins",
            ("https://a.example", "https://b.example"),
        ),
        ("SNAPFEED_CASSANDRA_HOSTS", " c1 ,, c2 , ,c3, ", "cassandra_hosts", ("c1", "c2", "c3")),
        ("SNAPFEED_CASSANDRA_HOSTS", " , ,", "cassandra_hosts", ()),
    ],
)
def test_parses_each_kind_of_field(variable: str, raw: str, field: str, expected: Any) -> None:
    settings = Settings.from_env({variable: raw})
    value = getattr(settings, field)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        (" yes ", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("False", False),
        ("no", False),
        (" OFF ", False),
    ],
)
def test_parses_bool(raw: str, expected: bool) -> None:
    settings = _WithFlag.from_env({"SNAPFEED_FLAG": raw})
    assert isinstance(settings, _WithFlag)
    assert settings.flag is expected


@pytest.mark.parametrize("raw", ["", "2", "y", "maybe", "truthy", "nope"])
def test_bad_bool_raises(raw: str) -> None:
    with pytest.raises(SettingsError, match="SNAPFEED_FLAG"):
        _WithFlag.from_env({"SNAPFEED_FLAG": raw})


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("SNAPFEED_PORT", "abc"),
        ("SNAPFEED_PORT", ""),
        ("SNAPFEED_PORT", "80.5"),
        ("SNAPFEED_PORT", "8000x"),
        ("SNAPFEED_CELEBRITY_FOLLOWERS", "10k"),
        ("SNAPFEED_ACTIVE_DAYS", "thirty"),
    ],
)
def test_bad_int_raises(variable: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=variable) as info:
        Settings.from_env({variable: raw})
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value.__cause__, ValueError)


@pytest.mark.parametrize(
    "variable",
    ["SNAPFEED_PORTT", "SNAPFEED_DATABASE", "SNAPFEED_", "SNAPFEED_NOPE", "SNAPFEED_REPLACE"],
)
def test_unknown_prefixed_variable_raises(variable: str) -> None:
    with pytest.raises(SettingsError, match=f"unknown setting {variable}"):
        Settings.from_env({variable: "1"})


def test_unknown_variable_raises_even_among_valid_ones() -> None:
    with pytest.raises(SettingsError, match="SNAPFEED_TYPO"):
        Settings.from_env({"SNAPFEED_PORT": "9000", "SNAPFEED_TYPO": "x"})


@pytest.mark.parametrize(
    "variable",
    ["PORT", "snapfeed_port", "SNAPFEEDPORT", "XSNAPFEED_PORT", "HOME", "PATH", "_SNAPFEED_PORT"],
)
def test_variables_without_the_prefix_are_ignored(variable: str) -> None:
    # Even a value that would not parse, under a name that is not a setting.
    assert Settings.from_env({variable: "not-a-number"}) == Settings()


def test_mixed_environment() -> None:
    environ = {
        "HOME": "/root",
        "SNAPFEED_PORT": "9100",
        "SNAPFEED_DATABASE_URL": "",
        "SNAPFEED_ALLOWED_ORIGINS": "https://a.example,https://b.example",
    }
    assert Settings.from_env(environ) == Settings(
        port=9100, database_url=None, allowed_origins=("https://a.example", "https://b.example")
    )


@pytest.mark.parametrize(
    ("environ", "overrides", "expected"),
    [
        ({"SNAPFEED_PORT": "9000"}, {"port": 1234}, {"port": 1234}),
        ({}, {"port": 1234}, {"port": 1234}),
        (
            {"SNAPFEED_DATABASE_URL": "postgresql://env/db"},
            {"database_url": "postgresql://override/db"},
            {"database_url": "postgresql://override/db"},
        ),
        (
            {"SNAPFEED_PORT": "9000", "SNAPFEED_ACTIVE_DAYS": "7"},
            {"active_days": 14},
            {"port": 9000, "active_days": 14},
        ),
        (
            {"SNAPFEED_DATABASE_URL": "postgresql://x"},
            {"database_url": None},
            {"database_url": None},
        ),
    ],
)
def test_overrides_win(
    environ: dict[str, str], overrides: dict[str, Any], expected: dict[str, Any]
) -> None:
    settings = Settings.from_env(environ, **overrides)
    for field, value in expected.items():
        assert getattr(settings, field) == value


def test_overrides_are_not_parsed() -> None:
    # Overrides are already typed values; they are used as given, not run through the parser.
    settings = Settings.from_env({}, allowed_origins=("a, b",))
    assert settings.allowed_origins == ("a, b",)
