"""The app around the API: settings, `python -m app`, the page, static files, plotly.js, /docs,
/healthz and the lenient /api/config."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

import app.__main__ as entry
from app import __version__
from app.api.routes.pages import PLOTLY_JS
from app.api.schemas import EXAMPLE_CONFIG, TrajectoryConfig
from app.config import Settings, get_settings
from app.engine.config import validate_config

ROOT = Path(__file__).resolve().parent.parent


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTVIZ_PORT", "9123")
    monkeypatch.setenv("OPTVIZ_MAX_GRID", "300")
    monkeypatch.setenv("OPTVIZ_FRAME_ANCESTORS", "https://lms.example.edu")
    settings = Settings()
    assert settings.port == 9123 and settings.max_grid == 300
    assert settings.frame_ancestors == "https://lms.example.edu"
    assert Settings(port=1).port == 1
    with pytest.raises(ValidationError):
        Settings(default_grid=500, max_grid=400)
    with pytest.raises(ValidationError):
        Settings(max_runs=99)


def test_python_m_app_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(entry.uvicorn, "run", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setenv("OPTVIZ_PORT", "8765")
    monkeypatch.setenv("OPTVIZ_WORKERS", "3")
    get_settings.cache_clear()
    try:
        entry.main([])
        entry.main(["--host", "0.0.0.0", "--port", "9000", "--workers", "2"])
    finally:
        get_settings.cache_clear()
    server = {"http": "app.server:NoDelayHTTPProtocol", "server_header": False,
              "proxy_headers": True, "forwarded_allow_ips": "127.0.0.1"}
    assert calls[0] == (("app.main:app",), {"host": "127.0.0.1", "port": 8765, "workers": 3,
                                            "log_level": "info", **server})
    assert calls[1][1] == {"host": "0.0.0.0", "port": 9000, "workers": 2, "log_level": "info",
                           **server}


def test_healthz(any_client: httpx.Client) -> None:
    body = any_client.get("/healthz").json()
    assert body["status"] == "ok" and body["version"] == __version__
    assert body["active_streams"] >= 0 and body["steps_computed"] >= 0


def test_page_is_rendered_from_the_templates(make_client: Callable[..., httpx.Client],
                                             tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>{{ version }} {{ plotly_url }}</p>")
    client = make_client(templates_dir=tmp_path, frame_ancestors="'self' https://lms.example")
    response = client.get("/")
    assert response.status_code == 200
    assert response.text.startswith(f"<p>{__version__} /vendor/plotly.min.js?v=")
    assert response.headers["content-security-policy"].endswith(
        "frame-ancestors 'self' https://lms.example")
    missing = make_client(templates_dir=tmp_path / "nowhere").get("/")
    assert missing.status_code == 503


def test_the_projects_page_renders(client: httpx.Client) -> None:
    if not (ROOT / "templates" / "index.html").exists():
        pytest.skip("templates/index.html is not in this checkout yet (frontend)")
    response = client.get("/")
    assert response.status_code == 200 and "plotly.min.js" in response.text


def test_static_files_and_plotly_are_served_locally(make_client: Callable[..., httpx.Client],
                                                    tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "main.js").write_text("export const ok = 1;\n")
    client = make_client(static_dir=tmp_path)
    response = client.get("/static/js/main.js")
    assert response.status_code == 200 and response.text == "export const ok=1;"  # minified
    assert client.get("/static/js/none.js").status_code == 404
    plotly = client.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200
    assert plotly.headers["content-type"].startswith("text/javascript")
    assert plotly.content == PLOTLY_JS.read_bytes()
    assert "plotly" in plotly.text[:2000].lower()


def test_the_vendored_katex_is_served_with_its_fonts_and_licence(client: httpx.Client) -> None:
    """The page links KaTeX from static/vendor/katex/; its CSS finds its woff2 fonts there."""
    page = client.get("/").text
    assert "/vendor/katex/katex.min.js" in page and "/vendor/katex/katex.min.css" in page
    js = client.get("/static/vendor/katex/katex.min.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    css = client.get("/static/vendor/katex/katex.min.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    fonts = sorted(set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css.text)))
    assert len(fonts) >= 10
    for font in fonts:
        assert client.get(f"/static/vendor/katex/{font}").status_code == 200, font
    licence = client.get("/static/vendor/katex/LICENSE")
    assert licence.status_code == 200 and "MIT" in licence.text


def test_docs_document_every_endpoint(any_client: httpx.Client) -> None:
    assert any_client.get("/docs").status_code == 200
    schema = any_client.get("/openapi.json").json()
    paths = schema["paths"]
    assert {"/api/catalog", "/api/surface", "/api/trajectory", "/api/config", "/healthz"} <= \
        set(paths)
    post = paths["/api/trajectory"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/TrajectoryConfig")
    for method in ("get", "post"):
        ok = paths["/api/trajectory"][method]["responses"]["200"]["content"]
        assert ok["application/x-ndjson"]["schema"]["$ref"].endswith("/TrajectoryRecord")
        assert "422" in paths["/api/trajectory"][method]["responses"]
    components = schema["components"]["schemas"]
    for name in ("TrajectoryConfig", "TrajectoryRecord", "StartRecord", "StepsRecord",
                 "EndRecord", "RunConfig", "ScheduleConfig", "ErrorResponse", "Catalog",
                 "SurfaceGrid", "ConfigResponse", "Health"):
        assert name in components, name
    refs = [v for v in _walk(schema) if isinstance(v, str) and v.startswith("#/components/")]
    assert all(r.split("/")[-1] in components for r in refs)


def _walk(node: Any) -> list[Any]:
    """Every value of a JSON document."""
    if isinstance(node, dict):
        return [v for value in node.values() for v in [value, *_walk(value)]]
    if isinstance(node, list):
        return [v for value in node for v in [value, *_walk(value)]]
    return []


def test_the_documented_example_is_a_valid_configuration(client: httpx.Client) -> None:
    TrajectoryConfig.model_validate(EXAMPLE_CONFIG)
    validate_config(EXAMPLE_CONFIG)
    assert client.post("/api/trajectory", json=EXAMPLE_CONFIG).status_code == 200


def test_config_opens_hand_edited_links_with_warnings(any_client: httpx.Client) -> None:
    response = any_client.get("/api/config?surface=beale&r0=adam,lr=abc,beta1=0.8"
                              "&r1=sgd,momentum=2&steps=50&p.speed=3")
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "surface=beale&steps=50&r0=adam,beta1=0.8&r1=sgd"
    assert [w["field"] for w in body["warnings"]] == ["r0.lr", "r1.momentum"]  # p.: the page's
    assert body["config"] == validate_config({"surface": {"name": "beale"}, "steps": 50, "runs": [
        {"optimizer": "adam", "params": {"beta1": 0.8}}, {"optimizer": "sgd"}]})
    clean = any_client.get(f"/api/config?{body['query']}").json()
    assert clean["warnings"] == [] and clean["query"] == body["query"]
    streamed = any_client.get(f"/api/trajectory?{body['query']}")
    assert streamed.status_code == 200


def test_config_applies_the_servers_limits(make_client: Callable[..., httpx.Client]) -> None:
    client = make_client(max_run_steps=500)
    body = client.get("/api/config?steps=400&r0=sgd&r1=adam").json()
    assert body["config"]["steps"] == 300 and len(body["config"]["runs"]) == 1
    assert [w["field"] for w in body["warnings"]] == ["steps", "r1"]
