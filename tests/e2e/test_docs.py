"""/docs in real Chromium under the server's real CSP: it renders (it was blank when its scripts
came from a CDN with an inline starter) and logs no violation; /redoc leads there."""

from __future__ import annotations

import pytest

from .conftest import ARTIFACTS

pytestmark = pytest.mark.e2e


def test_swagger_ui_lists_the_operations_under_the_csp(strict_page, e2e_url):
    violations: list[str] = []
    strict_page.on("console", lambda m: violations.append(m.text)
                   if "Content Security Policy" in m.text else None)
    response = strict_page.goto(f"{e2e_url}/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    strict_page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = strict_page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/trajectory" in paths and "/api/map/basin" in paths
    strict_page.locator(".opblock-summary-path", has_text="/api/catalog").first.click()
    strict_page.wait_for_selector(".opblock-body")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    strict_page.screenshot(path=str(ARTIFACTS / "docs-swagger.png"))
    assert violations == []


def test_redoc_leads_to_the_docs(strict_page, e2e_url):
    strict_page.goto(f"{e2e_url}/redoc")
    assert strict_page.url == f"{e2e_url}/docs"
    strict_page.wait_for_selector(".opblock-summary-path", timeout=30_000)
