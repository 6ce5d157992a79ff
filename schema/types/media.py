from __future__ import annotations

from collections.abc import Callable

import strawberry

from resolvers import media
from schema import global_id
from schema.context import Context
from schema.derived import Derived, derive
from schema.enum_values import EnumValues
from schema.info import Info
from schema.types.media_kind import MediaKind
from schema.types.media_size import MediaSize
from schema.types.media_status import MediaStatus
from schema.types.media_variant import MediaVariant
from schema.types.node import Node
from schema.types.photo_filter import PhotoFilter
from storage.media import MediaRow
from storage.visibility import may_see_media

_KINDS = EnumValues(MediaKind)
_STATUSES = EnumValues(MediaStatus)
_FILTERS = EnumValues(PhotoFilter)


@strawberry.type
class Media(Node, Derived):
    row: strawberry.Private[MediaRow]
    # The object store's URL maker: the URL fields need nothing from the operation's context
    # (schema/execution.py then serves them without building a resolve info).
    public_url: strawberry.Private[Callable[[str], str]]
    viewer_id: strawberry.Private[int | None]
    kind: MediaKind
    status: MediaStatus
    width: int | None
    height: int | None
    blurhash: str | None
    duration_ms: int | None = strawberry.field(description="Videos only.")
    filter: PhotoFilter = strawberry.field(description="NONE unless one was applied.")
    failure_reason: str | None = strawberry.field(
        description="Why processing failed; shown to the owner only."
    )

    @classmethod
    def from_row(cls, row: MediaRow, ctx: Context) -> Media:
        # Fields are derived from the row when first read (`DERIVE` below).
        return cls.make(row=row, public_url=ctx.deps.objects.public_url, viewer_id=ctx.viewer_id)

    @strawberry.field(description="Null until READY. For a video, its poster image.")
    def url(self, size: MediaSize | None = MediaSize.FEED) -> str | None:
        # `_value_`, not `.value`: the enum's property costs more than the rest of the URL.
        return media.variant_url(self.public_url, self.row, (size or MediaSize.FEED)._value_)

    @strawberry.field
    def variants(self) -> list[MediaVariant]:
        return [MediaVariant.from_view(v) for v in media.variant_views(self.public_url, self.row)]

    @strawberry.field(description="The H.264/AAC MP4 of a READY video; null for photos.")
    def video_url(self) -> str | None:
        return media.video_url(self.public_url, self.row)

    @classmethod
    async def load(cls, info: Info, media_id: int) -> Media | None:
        """Its owner's until used; then visible where the post or story using it is."""
        row = await info.context.loaders.media_by_id.load(media_id)
        if row is None:
            return None
        container = await _container_visible(info, row)
        if not may_see_media(
            viewer_is_owner=row.owner_id == info.context.viewer_id,
            in_use=container is not None,
            container_visible=bool(container),
        ):
            return None
        return cls.from_row(row, info.context)


derive(
    Media,
    {
        "id": lambda m: global_id.encode("Media", m.row.id),
        "kind": lambda m: _KINDS[m.row.kind],
        "status": lambda m: _STATUSES[m.row.status],
        "width": lambda m: m.row.width,
        "height": lambda m: m.row.height,
        "blurhash": lambda m: m.row.blurhash,
        "duration_ms": lambda m: m.row.duration_ms,
        "filter": lambda m: _FILTERS[m.row.filter],
        "failure_reason": lambda m: m.row.failure_reason if m.viewer_id == m.row.owner_id else None,
    },
    given={"row", "public_url", "viewer_id"},
)


async def _container_visible(info: Info, row: MediaRow) -> bool | None:
    """Whether the post or story holding this media is visible to the viewer; None when
    nothing holds it yet."""
    # Imported here: Post and Story both refer back to Media.
    from schema.types.post import Post
    from schema.types.story import Story

    if row.post_id is not None:
        return await Post.load(info, row.post_id) is not None
    story_id = await media.story_of(info.context.deps, row.id)
    if story_id is None:
        return None
    return await Story.load(info, story_id) is not None
