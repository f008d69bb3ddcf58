"""The catalog's parts: the page opens with the catalog less its lessons
(GET /api/catalog?lessons=0) and loads them from GET /api/lessons when asked; GET /api/catalog
stays whole."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_the_parts_make_the_whole(client: TestClient) -> None:
    whole = client.get("/api/catalog").json()
    page = client.get("/api/catalog?lessons=0")
    lessons = client.get("/api/lessons")
    assert page.status_code == lessons.status_code == 200
    assert "lessons" in whole and "lessons" not in page.json()
    assert {**page.json(), **lessons.json()} == whole
    assert lessons.json() == {"lessons": whole["lessons"]}
    assert client.get("/api/catalog?lessons=1").json() == whole


def test_each_part_is_revalidated_by_its_own_etag(client: TestClient) -> None:
    tags = {url: client.get(url).headers["etag"]
            for url in ("/api/catalog", "/api/catalog?lessons=0", "/api/lessons")}
    assert len(set(tags.values())) == 3
    for url, tag in tags.items():
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.headers["etag"] == tag


def test_a_bad_flag_is_a_4xx_naming_it(client: TestClient) -> None:
    response = client.get("/api/catalog?lessons=maybe")
    assert 400 <= response.status_code < 500 and "lessons" in response.text


def test_texts_en_is_the_catalog_less_its_translations(client: TestClient) -> None:
    """A page in English opens with ?lessons=0&texts=en and grafts the translations from the
    whole part when its language changes (static/js/api.js graftTranslations): the two must
    differ by the i18n members only."""
    from app.api.routes.catalog import without_translations

    for query in ("", "lessons=0"):
        full = client.get(f"/api/catalog?{query}").json()
        english = client.get(f"/api/catalog?{query}&texts=en")
        assert english.status_code == 200 and '"i18n"' not in english.text
        assert english.json() == {**without_translations(full), "texts": "en"}
        assert full["texts"] == "all"
        assert english.headers["etag"] != client.get(f"/api/catalog?{query}").headers["etag"]
        assert len(english.content) < 0.85 * len(client.get(f"/api/catalog?{query}").content)
    bad = client.get("/api/catalog?lessons=0&texts=zh")
    assert bad.status_code == 422 and [d["field"] for d in bad.json()["detail"]] == ["texts"]


def test_the_parts_are_compressed_when_the_server_starts() -> None:
    """The translations a page in English asks for on a language change are ready at brotli's
    best (no second of compression on that click)."""
    import time

    from app.api import static_files
    from app.api.routes.catalog import catalog_bytes
    from app.main import create_app

    app = create_app()
    with TestClient(app):
        _, etag = catalog_bytes(app, "page")
        deadline = time.monotonic() + 60
        while (etag, "br") not in static_files._WHOLE_CACHE and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (etag, "br") in static_files._WHOLE_CACHE
