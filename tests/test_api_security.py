"""Security headers on every response, and POST /api/config (validate without running)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

PATHS = [
    ("GET", "/", None),
    ("GET", "/api/catalog", None),
    ("GET", "/healthz", None),
    ("GET", "/api/surface?name=booth&resolution=10", None),
    ("GET", "/api/trajectory?surface=booth&steps=5", None),
    ("POST", "/api/trajectory", {"runs": [{"optimizer": "nosuch"}]}),
    ("GET", "/static/js/main.js", None),
    ("GET", "/no/such/page", None),
]


@pytest.mark.parametrize("method,path,body", PATHS, ids=[f"{m} {p}" for m, p, _ in PATHS])
def test_every_response_carries_the_security_headers(
    client: TestClient, method: str, path: str, body: object
) -> None:
    response = client.request(method, path, json=body)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert "'unsafe-eval'" not in csp and "http" not in csp.replace("frame-ancestors 'self'", "")
    assert "frame-ancestors 'self'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    document_only = ("permissions-policy", "cross-origin-opener-policy")
    if path.startswith("/static/"):  # a script or style sheet: the browser ignores them there
        assert not any(name in response.headers for name in document_only)
    else:
        assert "camera=()" in response.headers["permissions-policy"]
        assert response.headers["cross-origin-opener-policy"] == "same-origin"


def test_frame_ancestors_come_from_the_settings(make_client) -> None:  # type: ignore[no-untyped-def]
    client = make_client(frame_ancestors="https://lms.example")
    csp = client.get("/healthz").headers["content-security-policy"]
    assert csp.endswith("frame-ancestors https://lms.example")


def test_post_config_validates_without_running(client: TestClient) -> None:
    body = {"surface": {"name": "rosenbrock"}, "runs": [{"optimizer": "adam",
                                                          "params": {"lr": 0.01}}]}
    response = client.post("/api/config", json=body)
    assert response.status_code == 200
    data = response.json()
    assert data["config"]["runs"][0]["params"]["beta1"] == 0.9
    assert "r0=adam" in data["query"] and data["warnings"] == []
    again = client.get(f"/api/config?{data['query']}").json()
    assert again["config"] == data["config"]


def test_post_config_names_the_bad_field(client: TestClient) -> None:
    response = client.post("/api/config", json={"runs": [{"optimizer": "adam",
                                                          "params": {"beta2": 2}}]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "runs[0].params.beta2"


POST_PATHS = ["/api/trajectory", "/api/config", "/api/map/hyper", "/api/map/basin"]
NOT_JSON = [
    ({"content-type": "text/plain"}, b'{"steps": 5}', "text/plain"),
    ({"content-type": "application/x-www-form-urlencoded"}, b"steps=5",
     "application/x-www-form-urlencoded"),
    ({"content-type": "multipart/form-data; boundary=x"}, b"--x--", "multipart/form-data"),
    ({}, b'{"steps": 5}', "no Content-Type"),
]


@pytest.mark.parametrize("path", POST_PATHS)
@pytest.mark.parametrize("headers,body,named", NOT_JSON, ids=[n for _, _, n in NOT_JSON])
def test_post_bodies_that_are_not_json_are_415(client: TestClient, path: str, headers: dict,
                                               body: bytes, named: str) -> None:
    response = client.post(path, content=body, headers=headers)
    assert response.status_code == 415
    item = response.json()["detail"][0]
    assert item["field"] == "content-type" and named in item["msg"]
    assert "application/json" in item["msg"]
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_json_with_a_charset_is_accepted(client: TestClient) -> None:
    response = client.post("/api/config", content=b'{"steps": 5}',
                           headers={"content-type": "Application/JSON; charset=utf-8"})
    assert response.status_code == 200


def test_every_post_operation_documents_415(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    posts = [p for p, ops in paths.items() if "post" in ops]
    assert sorted(posts) == sorted(POST_PATHS)
    assert all("415" in paths[p]["post"]["responses"] for p in posts)
