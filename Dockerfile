# Optimizer-trajectory visualizer: stateless workers, everything served locally.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    OPTVIZ_HOST=0.0.0.0 \
    OPTVIZ_PORT=8000 \
    OPTVIZ_WORKERS=2 \
    OPTVIZ_ASSET_CACHE_DIR=/srv/app/asset-cache

WORKDIR /srv/app
COPY pyproject.toml README.md ./
COPY app ./app
COPY static ./static
COPY templates ./templates
RUN python -m pip install . \
    && python -m app.api.static_files \
    && useradd --create-home --uid 10001 optviz
USER optviz

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('OPTVIZ_PORT', '8000'), timeout=2)"

CMD ["python", "-m", "app"]
