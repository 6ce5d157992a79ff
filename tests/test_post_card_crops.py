"""A cropped photo's post card reads on any connection, a brand-new one included (the crop is
a float8[] inside the media records, which asyncpg could decode only on connections that had
already met that array type)."""

from __future__ import annotations

import asyncpg
import pytest

from schema import global_id
from storage import post_cards
from storage.settings import Settings
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload

CROP = {"x": 0.1, "y": 0.0, "width": 0.8, "height": 0.8}


async def test_a_cropped_post_card_reads_on_a_new_connection(
    gql: GraphQLClient, settings: Settings
) -> None:
    token, _ = await gql.register("cropper")
    media_id = await upload(gql, token, media_samples.jpeg(1000, 800), "image/jpeg")
    created = await create_post(
        gql, token, [media_id], edits=[{"mediaId": media_id, "filter": "MOON", "crop": CROP}]
    )
    post_id = global_id.decode_as(created.ok()["createPost"]["id"], "Post", field="id")
    assert settings.database_url
    conn = await asyncpg.connect(settings.database_url)
    try:
        [card] = await post_cards.cards(conn, [post_id], None)
    finally:
        await conn.close()
    [media] = card.media
    assert media.crop == pytest.approx([0.1, 0.0, 0.8, 0.8])
    assert media.filter == "moon"
