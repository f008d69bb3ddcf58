"""Static files and plotly.js: compressed once, cached for a year under versioned URLs, the page
itself revalidated (issue #11)."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Callable
from pathlib import Path

import brotli
import pytest
from fastapi.testclient import TestClient

from app.api.static_files import (
    IMMUTABLE,
    PLOTLY_JS,
    PLOTLY_VERSION,
    accepted_coding,
    served_bytes,
)

ROOT = Path(__file__).resolve().parent.parent


def raw_get(client: TestClient, url: str, encoding: str, **headers: str):  # noqa: ANN201
    """GET without httpx decoding the body (the bytes on the wire)."""
    with client.stream("GET", url, headers={"Accept-Encoding": encoding, **headers}) as r:
        body = b"".join(r.iter_raw())
    return r, body


def test_plotly_is_served_compressed_and_immutable(client: TestClient) -> None:
    original = PLOTLY_JS.read_bytes()
    url = f"/vendor/plotly.min.js?v={PLOTLY_VERSION}"
    r, body = raw_get(client, url, "gzip, deflate, br, zstd")
    assert r.status_code == 200 and r.headers["content-encoding"] == "br"
    assert r.headers["vary"] == "Accept-Encoding" and r.headers["cache-control"] == IMMUTABLE
    assert len(body) < 0.3 * len(original) and brotli.decompress(body) == original
    r, body = raw_get(client, url, "gzip")
    assert r.headers["content-encoding"] == "gzip" and gzip.decompress(body) == original
    r, body = raw_get(client, url, "identity")
    assert "content-encoding" not in r.headers and body == original
    # a reload revalidates for a few bytes
    tag = raw_get(client, url, "br")[0].headers["etag"]
    again, body = raw_get(client, url, "br", **{"If-None-Match": tag})
    assert again.status_code == 304 and body == b""
    # without the version the cache is the ordinary one
    assert "immutable" not in client.get("/vendor/plotly.min.js").headers["cache-control"]


def test_the_page_loads_static_files_under_a_content_version(client: TestClient) -> None:
    if not (ROOT / "templates" / "index.html").exists():
        pytest.skip("no templates/index.html in this checkout")
    page = client.get("/")
    assert page.headers["cache-control"] == "no-cache"
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
    assert urls and all(re.match(r"/static/v[0-9a-f]{12}/", u) for u in urls)
    main = next(u for u in urls if u.endswith("/js/main.js"))
    r, body = raw_get(client, main, "br")
    assert r.status_code == 200 and r.headers["cache-control"] == IMMUTABLE
    source = (ROOT / "static/js/main.js").read_bytes()
    served = brotli.decompress(body)
    assert served == served_bytes(ROOT / "static/js/main.js") and len(served) < len(source)
    # main.js imports ./plots.js: resolved under the same versioned prefix, also immutable
    sibling = client.get(main.replace("main.js", "plots.js"))
    assert sibling.status_code == 200 and sibling.headers["cache-control"] == IMMUTABLE
    # unversioned and stale-version URLs still answer, revalidated
    plain = client.get("/static/js/main.js")
    assert plain.status_code == 200 and plain.headers["cache-control"] == "no-cache"
    stale = client.get("/static/v000000000000/js/main.js")
    assert stale.status_code == 200 and stale.headers["cache-control"] == "no-cache"


def test_the_version_follows_the_files(make_client: Callable[..., TestClient],
                                       tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("export const a = 1;\n")
    (tmp_path / "index.html").write_text("{{ static_url }}")
    client = make_client(static_dir=tmp_path, templates_dir=tmp_path)
    first = client.get("/").text
    assert client.get("/").text == first
    (tmp_path / "js" / "a.js").write_text("export const a = 2;\n")
    second = client.get("/").text
    assert second != first and client.get(f"{second}/js/a.js").text == "export const a=2;"
    for bad in ("/static/../pyproject.toml", "/static/%2e%2e/pyproject.toml", "/static/js",
                "/static/js/none.js", f"{second}/%2e%2e/%2e%2e/pyproject.toml"):
        assert client.get(bad).status_code == 404, bad


def test_accepted_coding() -> None:
    both = {"identity": b"", "br": b"", "gzip": b""}
    assert accepted_coding("gzip, deflate, br", both) == "br"
    assert accepted_coding("gzip, br;q=0", both) == "gzip"
    assert accepted_coding("", both) == "identity"
    assert accepted_coding("*", both) == "br"
    assert accepted_coding("br", {"identity": b""}) == "identity"


def br_piece(d: brotli.Decompressor, data: bytes) -> bytes:
    """All a brotli decompressor can give for ``data`` (it hands out 32 kB at a time)."""
    out = d.process(data)
    while more := d.process(b""):
        out += more
    return out


def test_json_answers_are_compressed_and_streams_stay_streams(client: TestClient) -> None:
    r, body = raw_get(client, "/api/catalog", "gzip, br")
    assert r.headers["content-encoding"] == "br" and "Accept-Encoding" in r.headers["vary"]
    assert json.loads(brotli.decompress(body)) == client.get("/api/catalog").json()
    # a conditional GET with the compressed answer's tag is answered 304
    again, _ = raw_get(client, "/api/catalog", "br", **{"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    # long enough to stream in pieces even where whole_ms is set (a stream estimated within it
    # comes in one piece)
    config = {"surface": {"name": "rosenbrock"}, "steps": 4000,
              "runs": [{"optimizer": "adam", "params": {"lr": 0.05}}]}
    decoded = {}
    for coding in ("br", "gzip", "identity"):
        with client.stream("POST", "/api/trajectory", json=config,
                           headers={"Accept-Encoding": coding}) as r:
            pieces = [piece for piece in r.iter_raw() if piece]
        assert r.headers.get("content-encoding", "identity") == coding
        # every piece decodes on its own to whole records: the client can draw as they come
        if coding == "br":
            d = brotli.Decompressor()
            texts = [br_piece(d, p) for p in pieces]
        elif coding == "gzip":
            z = zlib.decompressobj(31)
            texts = [z.decompress(p) for p in pieces]
        else:
            texts = pieces
        texts = [text for text in texts if text]
        assert len(texts) > 1 and all(text.endswith(b"\n") for text in texts)
        records = [json.loads(line) for line in b"".join(texts).splitlines()]
        assert records[0]["type"] == "start" and records[-1]["type"] == "end"
        decoded[coding] = texts
    # ... and each piece carries the very records the plain stream sends in it, none held back
    assert decoded["br"] == decoded["gzip"] == decoded["identity"]


def test_scripts_are_served_without_comments_and_strings_kept(tmp_path: Path) -> None:
    """The page's scripts lose their comments and layout, never a string, template literal or
    regular expression; minified and vendor files pass as they are."""
    script = tmp_path / "x.js"
    script.write_text('// a comment\nconst a = `one\n  // kept ${b /* kept */ + `in ${c}`} `;\n'
                      '/** doc */\nconst re = /\\/\\/[a-z]+/g; // tail\nlet s = "// kept";\n')
    assert served_bytes(script).decode() == (
        'const a=`one\n  // kept ${b /* kept */ + `in ${c}`} `;const re=/\\/\\/[a-z]+/g;'
        'let s="// kept";')
    for name in ("vendor/katex/katex.min.js", "css/app.css"):
        path = ROOT / "static" / name
        assert served_bytes(path) == path.read_bytes()


def test_scripts_can_be_served_as_written(make_client: Callable[..., TestClient]) -> None:
    """OPTVIZ_MINIFY_SCRIPTS=false: the page's scripts as written (to read them in a debugger)."""
    client = make_client(minify_scripts=False)
    version = re.search(r'/static/(v[0-9a-f]{12})/', client.get("/").text)
    assert version is not None
    served = client.get(f"/static/{version.group(1)}/js/main.js").content
    assert served == (ROOT / "static/js/main.js").read_bytes()
