"""The Dockerfile's own commands, run outside Docker (no Docker engine on CI machines).

The test reads the Dockerfile: it copies what its COPY lines copy into a fresh work directory,
installs the package there with its RUN command into a fresh virtual environment (which sees the
already installed dependencies, so nothing else is downloaded but the build backend), starts its
CMD with its ENV (the port changed to a free one), and runs its HEALTHCHECK command until healthy.
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


def _env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in _instructions():
        if word == "ENV":
            for item in shlex.split(rest):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def _one(word: str) -> str:
    found = [rest for w, rest in _instructions() if w == word]
    assert len(found) == 1, f"expected one {word} in the Dockerfile"
    return found[0]


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
    assert _one("FROM").startswith("python:3.11-slim")
    assert "useradd" in _one("RUN") and _one("USER") != "root"
    assert "/healthz" in _one("HEALTHCHECK")
    assert "OPTVIZ_WORKERS" in _env()
    assert "pip install" in _one("RUN") and "http" not in _one("RUN")  # registries only


@pytest.mark.timeout(300)
def test_install_start_and_healthcheck_commands_work_outside_docker(tmp_path: Path) -> None:
    work = tmp_path / "srv"
    work.mkdir()
    for word, rest in _instructions():
        if word == "COPY":
            *sources, target = rest.split()
            for source in sources:
                src = ROOT / source
                dest = work / target if target not in ("./", ".") else work / src.name
                if src.is_dir():
                    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("__pycache__"))
                else:
                    shutil.copy2(src, work / src.name)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = str(env_dir / "bin" / "python")
    install = _one("RUN").split("&&")[0].strip()
    assert install.startswith("python -m pip install")
    done = subprocess.run([python, *shlex.split(install)[1:], "--quiet"], cwd=work,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]

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
        body = httpx.get(f"{base}/api/trajectory?steps=20", timeout=10,
                         follow_redirects=True).text  # 308 to the canonical query first
        assert body.count("\n") >= 3
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
