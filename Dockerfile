# Optimizer-trajectory visualizer: stateless workers, everything served locally.
#
# The base image is pinned by digest (python:3.11-slim; refresh with
# `docker buildx imagetools inspect python:3.11-slim`). Dependencies come from requirements.lock,
# every file checked against its hash; the final image has no pip.

FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7 AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /srv/app
COPY requirements.lock ./
RUN python -m venv /opt/venv \
    && /opt/venv/bin/python -m pip install --require-hashes --only-binary=:all: -r requirements.lock \
    && /opt/venv/bin/python -m pip uninstall -y pip setuptools

FROM python:3.11-slim@sha256:9c900dea9e8fb7e16277c179b555cc72d29a352dbc33cff48ad5a0412fd5bfc7
# Settings (app/config.py): two workers, each with at most OPTVIZ_MAX_CONNECTIONS open connections
# (uvicorn's --limit-concurrency role; kept below the file limit) and the read / write deadlines.
# Behind a reverse proxy set OPTVIZ_FORWARDED_ALLOW_IPS to its address so X-Forwarded-For and
# X-Forwarded-Proto are trusted (README, "Scaling out"). Logs go to stdout: rotate them with the
# container runtime (e.g. --log-opt max-size=10m --log-opt max-file=5).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    OPTVIZ_HOST=0.0.0.0 \
    OPTVIZ_PORT=8000 \
    OPTVIZ_WORKERS=2 \
    OPTVIZ_MAX_CONNECTIONS=1000 \
    OPTVIZ_HEADER_TIMEOUT=10 \
    OPTVIZ_BODY_TIMEOUT=10 \
    OPTVIZ_WRITE_TIMEOUT=30 \
    OPTVIZ_FORWARDED_ALLOW_IPS=127.0.0.1 \
    OPTVIZ_ASSET_CACHE_DIR=/srv/app/asset-cache
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv/app
COPY app ./app
COPY static ./static
COPY templates ./templates
# The static files' compressed copies (plotly.js's best brotli) are made once here, at build time.
RUN python -m app.api.static_files \
    && /usr/local/bin/python -m pip uninstall -y pip setuptools wheel \
    && rm -rf /usr/local/lib/python3.11/ensurepip \
    && useradd --create-home --uid 10001 optviz \
    && chown -R optviz /srv/app/asset-cache
USER optviz

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('OPTVIZ_PORT', '8000'), timeout=2)"

# python -m app: uvicorn with app.server's protocol (deadlines, connection cap, secured 400s),
# no server header, the settings above.
CMD ["python", "-m", "app"]
