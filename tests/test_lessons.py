"""The lessons: every scene opens as a link does, every text is in both languages, and every claim
a lesson's text makes holds on the engine's data."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.lessons import LANGUAGES, LESSONS, check_claim, lesson_address, lesson_catalog
from app.links import read_config

CLAIMS = [(lesson, claim) for lesson in LESSONS for claim in lesson.claims]


def test_there_are_at_least_sixteen_lessons_with_unique_ids() -> None:
    ids = [lesson.id for lesson in LESSONS]
    assert len(ids) >= 16
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_every_text_is_in_both_languages(lesson) -> None:
    for part in (lesson.title, lesson.text, lesson.question, *(s.do for s in lesson.scenes)):
        assert set(part) == set(LANGUAGES)
        assert all(part[lang].strip() for lang in LANGUAGES)
    # 3 to 6 sentences of prose, one question
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", lesson.text["en"].strip()) if s]
    assert 3 <= len(sentences) <= 6, sentences
    assert lesson.question["en"].rstrip().endswith("?")
    assert lesson.question["zh"].rstrip().endswith("？")
    assert re.search(r"[\u4e00-\u9fff]", lesson.text["zh"])


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_every_scene_is_a_valid_link(lesson) -> None:
    for scene in lesson.scenes:
        read_config(scene.query)  # raises a QueryError naming the key if not


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_every_lesson_has_claims(lesson) -> None:
    assert lesson.claims
    assert all(0 <= c.scene < len(lesson.scenes) for c in lesson.claims)


@pytest.mark.parametrize(("lesson", "claim"), CLAIMS,
                         ids=[f"{lesson.id}:{claim.says}" for lesson, claim in CLAIMS])
def test_claim_holds_on_the_engine_data(lesson, claim) -> None:
    holds, numbers = check_claim(lesson, claim)
    assert holds, f"{lesson.id}: '{claim.says}' does not hold ({numbers})"


def test_catalog_entries_carry_query_texts_and_claims() -> None:
    entries = lesson_catalog()
    assert [e["id"] for e in entries] == [lesson.id for lesson in LESSONS]
    for entry in entries:
        assert entry["query"] == entry["scenes"][0]["query"]
        assert all(c["says"] for c in entry["claims"])


def test_the_catalog_serves_the_lessons(client) -> None:
    body = client.get("/api/catalog").json()
    assert [lesson["id"] for lesson in body["lessons"]] == [lesson.id for lesson in LESSONS]
    first = body["lessons"][0]
    assert set(first["title"]) == set(LANGUAGES)
    assert first["query"].startswith("surface=")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.id)
def test_every_scene_streams(client, lesson) -> None:
    for scene in lesson.scenes:
        resp = client.get(f"/api/trajectory?{scene.query}")
        assert resp.status_code == 200, resp.text[:300]
        last = resp.text.strip().splitlines()[-1]
        assert '"type":"error"' not in last


def test_the_first_screen_is_a_race_that_makes_its_point() -> None:
    from app.lessons import FIRST_SCREEN, scene_result

    config, result = scene_result(FIRST_SCREEN)
    kinds = {(r["optimizer"], r["params"].get("momentum", 0)) for r in config["runs"]}
    assert len(config["runs"]) >= 3 and len(kinds) == len(config["runs"])
    assert all(t.status == "completed" for t in result.runs)
    finals = sorted(float(t.loss[-1]) for t in result.runs)
    assert finals[-1] > 100 * finals[0]  # the runs end visibly apart: the race has a winner


def test_the_catalog_names_the_first_screen(client) -> None:
    from app.lessons import FIRST_SCREEN

    assert client.get("/api/catalog").json()["first_screen"] == FIRST_SCREEN


def test_qr_code_of_a_link_is_svg_and_long_text_is_refused(client) -> None:
    ok = client.get("/api/qr", params={"text": "http://127.0.0.1:8000/?r0=adam"})
    assert ok.status_code == 200 and ok.headers["content-type"].startswith("image/svg+xml")
    assert ok.text.startswith("<svg")
    bad = client.get("/api/qr", params={"text": "x" * 2001})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "text"


def test_a_link_naming_only_a_lesson_becomes_its_scene() -> None:
    first = LESSONS[0]
    assert lesson_address(f"p.lesson={first.id}") == f"{first.scenes[0].query}&p.lesson={first.id}"
    many = next(lesson for lesson in LESSONS if len(lesson.scenes) > 1)
    last = len(many.scenes) - 1
    address = lesson_address(f"p.lesson={many.id}&p.scene=99&p.lang=zh&p.present=1")
    assert address is not None
    assert address.startswith(many.scenes[last].query)  # the scene clamped to the last one
    assert address.endswith(f"&p.lang=zh&p.present=1&p.lesson={many.id}&p.scene={last}")
    # the link's own page keys win over the scene's (one of each key)
    assert lesson_address("p.lesson=saddle&p.log=0").count("p.log=") == 1  # type: ignore[union-attr]
    assert "p.log=0" in lesson_address("p.lesson=saddle&p.log=0")  # type: ignore[operator]


@pytest.mark.parametrize("query", ["", "p.lang=zh", "p.lesson=no-such-lesson",
                                   "surface=booth&p.lesson=momentum",
                                   "basin.cells=32&p.lesson=momentum"])
def test_links_with_a_configuration_or_no_known_lesson_stay_as_they_are(query: str) -> None:
    assert lesson_address(query) is None


def test_the_page_sends_a_short_lesson_link_to_its_scene(client: TestClient) -> None:
    answer = client.get("/?p.lesson=momentum&p.lang=zh", follow_redirects=False)
    assert answer.status_code == 307
    momentum = next(lesson for lesson in LESSONS if lesson.id == "momentum")
    assert answer.headers["location"] == f"?{momentum.scenes[0].query}&p.lang=zh&p.lesson=momentum"
    shared = client.get("/?surface=booth&r0=adam&p.lesson=momentum", follow_redirects=False)
    assert shared.status_code == 200  # a link with its configuration opens as it is
