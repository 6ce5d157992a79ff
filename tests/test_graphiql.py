"""GraphiQL needs no internet: every asset it loads is served by Snapfeed itself."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx


async def test_graphiql_loads_only_local_assets_with_matching_integrity(
    http: httpx.AsyncClient,
) -> None:
    page = await http.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "unpkg.com" not in page.text and "https://" not in page.text.split("<body>")[0]
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"\s+integrity="(sha384-[^"]+)"', page.text)
    assert len(assets) == 7  # react, react-dom, js-cookie, 2 stylesheets, graphiql, explorer
    for path, integrity in assets:
        response = await http.get(path)
        assert response.status_code == 200, path
        digest = base64.b64encode(hashlib.sha384(response.content).digest()).decode()
        assert integrity == f"sha384-{digest}", path
