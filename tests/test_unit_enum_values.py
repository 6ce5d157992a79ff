"""Stored strings to GraphQL enum members (schema/enum_values.py)."""

from __future__ import annotations

from enum import Enum

import pytest

from schema.enum_values import EnumValues
from schema.types.media_kind import MediaKind
from schema.types.photo_filter import PhotoFilter
from schema.types.post_status import PostStatus


@pytest.mark.parametrize(
    ("enum", "stored", "member"),
    [
        (PostStatus, "published", PostStatus.PUBLISHED),
        (PostStatus, "PUBLISHED", PostStatus.PUBLISHED),
        (PostStatus, "flagged", PostStatus.FLAGGED),
        (MediaKind, "video", MediaKind.VIDEO),
        (PhotoFilter, "none", PhotoFilter.NONE),
        (PhotoFilter, "Clarendon", PhotoFilter.CLARENDON),  # not in the table: the enum's lookup
    ],
)
def test_a_stored_value_maps_to_its_member(enum: type[Enum], stored: str, member: Enum) -> None:
    assert EnumValues(enum)[stored] is member


def test_an_unknown_value_is_the_enums_error() -> None:
    with pytest.raises(ValueError, match="GLOWING"):
        EnumValues(PostStatus)["glowing"]
