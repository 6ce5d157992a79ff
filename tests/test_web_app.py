"""The web app's files as served, its vendored packages, and its GraphQL documents."""

from __future__ import annotations

import json
import re
import subprocess

import httpx
import pytest
from graphql import parse, validate
from starlette.applications import Starlette

from resolvers.deps import Deps
from schema.schema import build_schema
from server.app import create_app
from server.web_app import WEBAPP_DIR
from server.webapp_vendor import MANIFEST, PACKAGES, sri, with_preloads
from storage.settings import Settings
from tests.js_tools import NODE


async def test_the_app_is_served_at_the_root(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="app.js"></script>' in page.text
    assert page.headers["cache-control"] == "no-cache"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    script = await http.get("/app.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    vendored = await http.get("/vendor/graphql-ws@6.4.2/dist/client.js")
    assert vendored.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (await http.get("/no-such-file.js")).status_code == 404
    # GraphiQL and the API keep their path.
    ide = await http.get("/graphql", headers={"accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    api = await http.post("/graphql", json={"query": "{ __typename }"})
    assert api.json()["data"] == {"__typename": "Query"}


async def test_the_app_can_be_switched_off(settings: Settings, deps: Deps) -> None:
    app: Starlette = create_app(settings.replace(web_app=False), deps)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        assert (await client.get("/")).status_code == 404
        assert (await client.get("/app.js")).status_code == 404
        assert (await client.get("/healthz")).status_code == 200


def test_vendored_files_match_their_recorded_hashes() -> None:
    manifest = json.loads(MANIFEST.read_text())
    assert sorted(manifest) == sorted(p.name for p in PACKAGES)
    for package in PACKAGES:
        entry = manifest[package.name]
        assert entry["version"] == package.version
        assert sorted(entry["files"]) == sorted(package.files)
        for path, integrity in entry["files"].items():
            data = (WEBAPP_DIR / "vendor" / f"{package.name}@{package.version}" / path).read_bytes()
            assert sri(data) == integrity, path
    # The page preloads each module with the same integrity the browser checks.
    index = (WEBAPP_DIR / "index.html").read_text()
    assert with_preloads(index, manifest) == index
    assert index.count('rel="modulepreload"') == sum(len(p.modules) for p in PACKAGES)


_IMPORT = re.compile(r"""(?:from\s+|import\s*\(\s*)["'](\.[^"'$]+)["']""")


def test_every_module_import_resolves() -> None:
    sources = sorted(p for p in WEBAPP_DIR.rglob("*.js") if "vendor" not in p.parts)
    assert sources
    for source in sources:
        for target in _IMPORT.findall(source.read_text()):
            assert (source.parent / target).resolve().is_file(), f"{source}: {target}"
    routed = re.findall(r'screen: "([\w-]+)"', (WEBAPP_DIR / "app.js").read_text())
    assert routed and all((WEBAPP_DIR / "screens" / f"{s}.js").is_file() for s in routed)


def _documents() -> dict[str, str]:
    """Every exported document of lib/operations.js, as the browser builds them (node)."""
    if NODE is None:
        pytest.skip("needs node (Debian's nodejs; .ci/run installs it)")
    script = (
        "const ops = await import(process.argv[1]);"
        "console.log(JSON.stringify(Object.fromEntries(Object.entries(ops)"
        ".filter(([, v]) => typeof v === 'string'))));"
    )
    module = (WEBAPP_DIR / "lib" / "operations.js").as_uri()
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script, module],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    documents: dict[str, str] = json.loads(done.stdout)
    return documents


def test_every_document_is_valid_against_the_schema() -> None:
    schema = build_schema(Settings())._schema
    documents = _documents()
    operations = {k: v for k, v in documents.items() if not v.lstrip().startswith("fragment")}
    assert len(operations) >= 30
    names = set()
    for name, text in operations.items():
        errors = validate(schema, parse(text))
        assert not errors, f"{name}: {[e.message for e in errors]}"
        [operation] = re.findall(r"^(?:query|mutation|subscription)\s+(\w+)", text, re.M)
        names.add(operation)
    assert len(names) == len(operations), "operation names must be unique (metrics, APQ)"


@pytest.mark.parametrize("path", sorted(p.name for p in (WEBAPP_DIR / "screens").glob("*.js")))
def test_screens_use_only_the_shared_documents(path: str) -> None:
    # A document written inline would escape the schema check above.
    text = (WEBAPP_DIR / "screens" / path).read_text()
    assert not re.search(r"\b(query|mutation|subscription)\s+\w+\s*[({]", text), path


def test_the_default_config_points_at_this_origin() -> None:
    config = json.loads((WEBAPP_DIR / "config.json").read_text())
    assert config["api"] == ""


def test_the_app_has_no_inline_script_or_style() -> None:
    # The content security policy allows only the app's own files.
    index = (WEBAPP_DIR / "index.html").read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)", index) == []
    assert " style=" not in index and "<style" not in index


def test_the_webapp_folder_is_self_contained() -> None:
    # It can be copied to any static host: every URL in index.html is relative.
    index = (WEBAPP_DIR / "index.html").read_text()
    urls = re.findall(r'(?:href|src)="([^"#]+)"', index)
    assert urls and all(not u.startswith(("/", "http")) for u in urls)
    assert all((WEBAPP_DIR / u).is_file() for u in urls)


def _node_eval(module: str, expression: str) -> object:
    """The JSON value of `expression` over `m`, the web app module at `module` (node)."""
    if NODE is None:
        pytest.skip("needs node (Debian's nodejs; .ci/run installs it)")
    script = f"const m = await import(process.argv[1]); console.log(JSON.stringify({expression}));"
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", script, (WEBAPP_DIR / module).as_uri()],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("actors", "count", "text"),
    [
        (["ada"], 1, "ada"),
        (["ada", "bob"], 2, "ada and bob"),
        (["ada", "bob"], 3, "ada, bob and 1 other"),
        (["ada", "bob"], 14, "ada, bob and 12 others"),
        (["ada"], 5, "ada and 4 others"),
        ([], 0, "Someone"),
    ],
)
def test_notification_actors_fold_into_one_line(actors: list[str], count: int, text: str) -> None:
    notification = {"actors": [{"username": a} for a in actors], "actorCount": count}
    shown = _node_eval("screens/notifications.js", f"m.actorsText({json.dumps(notification)})")
    assert shown == text


@pytest.mark.parametrize(
    ("size", "aspect", "position", "crop"),
    [
        ((1080, 1350), 1, 0.5, {"x": 0, "y": 0.1, "width": 1, "height": 0.8}),
        ((1080, 1350), 1, 0, {"x": 0, "y": 0, "width": 1, "height": 0.8}),
        ((2000, 1000), 1, 1, {"x": 0.5, "y": 0, "width": 0.5, "height": 1}),
        ((1000, 1000), 1.91, 0.5, {"x": 0, "y": 0.2382, "width": 1, "height": 0.5236}),
        ((1000, 1000), None, 0.5, None),
    ],
)
def test_crops_are_centred_then_panned(
    size: tuple[int, int], aspect: float | None, position: float, crop: dict[str, float] | None
) -> None:
    call = f"m.cropFor({size[0]}, {size[1]}, {json.dumps(aspect)}, {position})"
    shown = _node_eval("components/photo-editor.js", call)
    if crop is None:
        assert shown is None
    else:
        assert isinstance(shown, dict) and shown == pytest.approx(crop, abs=1e-4)
