"""A small GraphQL-over-HTTP client for the tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class Result:
    status: int
    body: dict[str, Any]

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.body.get("errors") or [])

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]

    def ok(self) -> Any:
        assert self.status == 200, self.body
        assert not self.errors, self.errors
        return self.data


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def __call__(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> Result:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        return Result(response.status_code, response.json())

    async def register(self, username: str, password: str = "correct horse") -> tuple[str, str]:
        """(token, user id) of a new account."""
        result = await self(
            """mutation($input: RegisterInput!) {
                 register(input: $input) { token user { id } }
               }""",
            {"input": {"username": username, "password": password}},
        )
        payload = result.ok()["register"]
        return payload["token"], payload["user"]["id"]


CREATE_UPLOAD = """mutation($input: CreateUploadInput!) {
  createUpload(input: $input) {
    media { id status } uploadUrl uploadHeaders { name value } expiresAt
  }
}"""
CREATE_POST = """mutation($input: CreatePostInput!) {
  createPost(input: $input) { id status caption hashtags location }
}"""


async def upload(
    gql: GraphQLClient,
    token: str,
    data: bytes,
    content_type: str,
    *,
    http: httpx.AsyncClient | None = None,
) -> str:
    """createUpload, then PUT the bytes to the URL it gave; returns the media id."""
    ticket = await create_upload(gql, token, data, content_type)
    response = await (http or gql.http).put(ticket.url, content=data, headers=ticket.headers)
    assert response.status_code == 200, response.text
    return ticket.media_id


@dataclass(frozen=True)
class UploadTicket:
    url: str
    headers: dict[str, str]
    media_id: str


async def create_upload(
    gql: GraphQLClient, token: str, data: bytes, content_type: str
) -> UploadTicket:
    """createUpload for these bytes: where and how to PUT them."""
    ticket = (
        await gql(
            CREATE_UPLOAD,
            {"input": {"contentType": content_type, "byteSize": len(data)}},
            token=token,
        )
    ).ok()["createUpload"]
    headers = {h["name"]: h["value"] for h in ticket["uploadHeaders"]}
    return UploadTicket(ticket["uploadUrl"], headers, ticket["media"]["id"])


async def create_post(
    gql: GraphQLClient, token: str, media_ids: list[str], **fields: Any
) -> Result:
    return await gql(CREATE_POST, {"input": {"mediaIds": media_ids, **fields}}, token=token)
