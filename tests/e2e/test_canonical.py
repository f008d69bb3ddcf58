"""The page requests canonical queries only: the server's 308 to the canonical query (one URL per
answer for caches) never happens in normal use, shared links with page keys included."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import open_app

pytestmark = pytest.mark.e2e

LINKS = [
    # a hyperparameter map and a basin map, as the page writes them, plus page keys
    "/?surface=rosenbrock&steps=120&r0=adam,lr=0.05&hmap.x=lr,0.001,0.5,log,8"
    "&hmap.y=beta1,0.5,0.99,beta,6&p.lang=zh",
    "/?surface=himmelblau&steps=60&r0=sgd,lr=0.01,momentum=0.9&r1=adam,lr=0.1"
    "&basin.cells=8&p.tab=basin",
]


@pytest.mark.parametrize("link", LINKS)
def test_shared_links_never_meet_a_redirect(page: Any, e2e_url: str, link: str) -> None:
    seen: list[tuple[int, str]] = []
    page.on("response", lambda r: seen.append((r.status, r.url)) if "/api/" in r.url else None)
    open_app(page, e2e_url + link)
    kind = "hyper" if "hmap." in link else "basin"
    drawn = ("() => { const d = document.getElementById('hyper-plot'); return d && d.data && d.data.length }"
             if kind == "hyper" else
             "() => { const d = document.getElementById('contour-plot').data;"
             " return d && d.length > 3 && d[1].type === 'heatmap' }")
    page.wait_for_function(drawn, timeout=60_000)
    assert any(f"/api/map/{kind}" in url for _, url in seen), seen
    assert [(s, u) for s, u in seen if s == 308] == []
    assert all(s < 400 for s, _ in seen), seen
