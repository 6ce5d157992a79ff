"""Every connection answers the four PageInfo fields of the Relay cursor-connections spec."""

from __future__ import annotations

from resolvers.deps import Deps
from schema import global_id
from tests.social import Social


async def tag_posts(deps: Deps, tag: str, post_ids: list[int]) -> None:
    """The posts carry #tag, as publishing them with it in their captions leaves them."""
    await deps.db.execute(
        "UPDATE posts SET hashtags = ARRAY[$1] WHERE id = ANY($2::bigint[])", tag, post_ids
    )
    await deps.db.execute(
        "INSERT INTO hashtags (name, post_count) VALUES ($1, $2)", tag, len(post_ids)
    )


PAGE_INFO_QUERY = """query($id: ID!, $post: ID!) {
  node(id: $id) { ... on User {
    posts(first: 2) { edges { cursor } pageInfo { ...All } }
    followers(first: 2) { edges { cursor } pageInfo { ...All } }
    following(first: 2) { edges { cursor } pageInfo { ...All } }
  } }
  post(id: $post) { comments(first: 2) { edges { cursor } pageInfo { ...All } } }
  feed(first: 2) { edges { cursor } pageInfo { ...All } }
  hashtag(name: "paged") { posts(first: 2) { edges { cursor } pageInfo { ...All } } }
  followRequests(first: 2) { edges { cursor } pageInfo { ...All } }
}
fragment All on PageInfo { hasNextPage hasPreviousPage startCursor endCursor }"""


async def test_every_connection_has_relay_page_info(social: Social) -> None:
    for name in ("paged", "fan1", "fan2", "fan3"):
        await social.user(name)
    for fan in ("fan1", "fan2", "fan3"):
        await social.follow(fan, "paged")
    posts = [await social.post("paged", f"#paged {n}") for n in range(3)]
    await tag_posts(social.deps, "paged", posts)
    post_id = global_id.encode("Post", posts[0])
    for n in range(3):
        await social.gql(
            "mutation($p: ID!, $b: String!) { addComment(postId: $p, body: $b) { id } }",
            {"p": post_id, "b": f"comment {n}"},
            token=social.tokens["fan1"],
        )
    data = (
        await social.gql(
            PAGE_INFO_QUERY,
            {"id": social.ids["paged"], "post": post_id},
            token=social.tokens["paged"],
        )
    ).ok()
    user = data["node"]
    full = [user["posts"], user["followers"], data["post"]["comments"], data["feed"]]
    full.append(data["hashtag"]["posts"])
    for connection in full:
        edges = connection["edges"]
        assert len(edges) == 2
        assert connection["pageInfo"] == {
            "hasNextPage": True,
            "hasPreviousPage": False,  # paging forward (first/after)
            "startCursor": edges[0]["cursor"],
            "endCursor": edges[-1]["cursor"],
        }
    for connection in (user["following"], data["followRequests"]):
        assert connection == {
            "edges": [],
            "pageInfo": {
                "hasNextPage": False,
                "hasPreviousPage": False,
                "startCursor": None,
                "endCursor": None,
            },
        }
