# convstep: slim base, dependencies layer first, non-root user, healthcheck on /healthz.
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    CONVSTEP_DATA_DIR=/data \
    CONVSTEP_WORKERS=1
# One worker: a class's in-process bus lives in one process. For N workers (or N hosts) set
# CONVSTEP_REDIS_URL as well (docs/deploy.md, deploy/compose.yaml).

WORKDIR /srv/convstep

# DejaVu Sans draws the GIF/APNG exports' signs (− × → ∞); without it they fall back to ASCII.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first, so editing the app does not reinstall them: the exact locked releases, each
# checked against its hash (requirements.lock, written by `make lock` from pyproject.toml).
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./

COPY app ./app
COPY templates ./templates
COPY static ./static
RUN pip install --no-deps .

RUN useradd --system --uid 10001 --home-dir /srv/convstep convstep \
    && mkdir -p /data && chown convstep /data
USER convstep
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]

# Exec form; the worker count comes from CONVSTEP_WORKERS (read by app.serve).
CMD ["python", "-m", "app.serve"]
