"""The Dockerfile's own commands, run outside Docker (no Docker engine on CI machines).

The test reads the Dockerfile's two stages. The build stage's RUN (a virtual environment filled
from requirements.lock, hashes required) runs in a fresh virtual environment that sees the
already installed dependencies, so nothing is downloaded when their versions are the locked ones;
the final stage's COPY lines copy into a fresh work directory, its CMD starts with its ENV (the
port changed to a free one) and its HEALTHCHECK command runs until healthy. The final stage's
RUN (removing pip, adding the user) is only read: it would change the machine running the test.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import time
import venv
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    out = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


DIGEST = re.compile(r"python:3\.11-slim@sha256:[0-9a-f]{64}( AS \w+)?")


def _stages() -> list[list[tuple[str, str]]]:
    """The instructions of each stage (a FROM and what follows it)."""
    stages: list[list[tuple[str, str]]] = []
    for word, rest in _instructions():
        if word == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((word, rest))
    return stages


def _env() -> dict[str, str]:
    """The final stage's ENV (PATH left to the test)."""
    env: dict[str, str] = {}
    for word, rest in _stages()[-1]:
        if word == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def _one(word: str, stage: int = -1) -> str:
    found = [rest for w, rest in _stages()[stage] if w == word]
    assert len(found) == 1, f"expected one {word} in stage {stage} of the Dockerfile"
    return found[0]


def _locked() -> dict[str, list[str]]:
    """requirements.lock: each pinned name and its hashes."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "requirements.lock").read_text())
    out = {}
    for line in text.splitlines():
        if line and not line.startswith((" ", "#")):
            spec, *hashes = line.split(" --hash=")
            name = spec.split("==")[0].strip().lower()
            out[name] = [h.strip() for h in hashes]
            assert "==" in spec, line
    return out


def _exec_form(text: str) -> list[str]:
    """A JSON exec form ["python", "-m", "app"] or a shell form, as an argv."""
    import json

    return json.loads(text) if text.startswith("[") else ["sh", "-c", text]


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (from /proc: no procps needed)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def test_the_dockerfile_is_what_the_issue_asks() -> None:
    stages = _stages()
    assert len(stages) == 2
    for stage in stages:  # the base image pinned by digest
        assert DIGEST.fullmatch(stage[0][1]), stage[0][1]
    build = _one("RUN", 0)
    assert "--require-hashes" in build and "-r requirements.lock" in build
    assert "http" not in build  # registries only
    final = _one("RUN")
    assert "pip uninstall -y pip" in final and "useradd" in final  # no pip in the image
    assert not any("pip install" in rest for w, rest in stages[-1] if w == "RUN")
    assert _one("USER") != "root"
    assert "/healthz" in _one("HEALTHCHECK")
    env = _env()
    assert {"OPTVIZ_WORKERS", "OPTVIZ_MAX_CONNECTIONS", "OPTVIZ_FORWARDED_ALLOW_IPS"} <= set(env)
    assert _exec_form(_one("CMD")) == ["python", "-m", "app"]  # app.server's protocol


def test_the_lock_pins_every_runtime_dependency_with_hashes() -> None:
    import tomllib

    locked = _locked()
    assert all(hashes and all(h.startswith("sha256:") for h in hashes)
               for hashes in locked.values())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower()
        assert name in locked, f"{name} is not in requirements.lock"


@pytest.mark.timeout(300)
def test_install_start_and_healthcheck_commands_work_outside_docker(tmp_path: Path) -> None:
    work = tmp_path / "srv"
    work.mkdir()
    env_dir = tmp_path / "venv"
    for index, stage in enumerate(_stages()):
        for word, rest in stage:
            if word != "COPY" or rest.startswith("--from"):
                continue
            *sources, target = rest.split()
            for source in sources:
                src = ROOT / source
                dest = work / target if target not in ("./", ".") else work / src.name
                if src.is_dir():
                    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(src, work / src.name)
        if index == 0:  # the build stage: its RUN, /opt/venv standing for a fresh venv
            venv.create(env_dir, system_site_packages=True, with_pip=True)
            steps = [step.strip() for step in _one("RUN", 0).split("&&")]
            assert steps[0] == "python -m venv /opt/venv"
            for step in steps[1:]:
                argv = shlex.split(step.replace("/opt/venv", str(env_dir)))
                done = subprocess.run([*argv, "--quiet"] if "install" in argv else argv,
                                      cwd=work, capture_output=True, text=True, timeout=240)
                assert done.returncode == 0, (step, done.stderr[-2000:])
    python = str(env_dir / "bin" / "python")

    port = free_port()
    env = {**os.environ, **_env(), "OPTVIZ_HOST": "127.0.0.1", "OPTVIZ_PORT": str(port),
           "PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("PYTHONPATH", None)
    cmd = _exec_form(_one("CMD"))
    assert cmd[0] == "python"
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen([python, *cmd[1:]], cwd=work, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    try:
        check = _exec_form(_one("HEALTHCHECK").split("CMD", 1)[1].strip())
        check = [python if part == "python" else part for part in check]
        deadline = time.monotonic() + 60
        while True:
            ok = subprocess.run(check, env=env, capture_output=True, timeout=10).returncode == 0
            if ok or time.monotonic() > deadline or server.poll() is not None:
                break
            time.sleep(0.3)
        assert ok, (tmp_path / "server.log").read_text()[-2000:]
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/", timeout=10).status_code == 200
        assert httpx.get(f"{base}/vendor/plotly.min.js", timeout=10).status_code == 200
        assert httpx.get(f"{base}/static/js/main.js", timeout=10).status_code == 200
        response = httpx.get(f"{base}/api/trajectory?steps=20", timeout=10,
                             follow_redirects=True)  # 308 to the canonical query first
        assert response.text.count("\n") >= 3
        assert "server" not in response.headers  # python -m app: no server header
        assert response.headers["cross-origin-opener-policy"] == "same-origin"
        # the workers come from the environment (OPTVIZ_WORKERS in the Dockerfile)
        workers = int(_env()["OPTVIZ_WORKERS"])
        assert len(_children(server.pid)) >= workers
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
