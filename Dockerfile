# syntax=docker/dockerfile:1
#
# Snapfeed API / worker image.
#
#   docker build -t snapfeed .
#   docker run --rm -e SNAPFEED_DATABASE_URL=... -e SNAPFEED_REDIS_URL=... -p 8000:8000 snapfeed
#   docker run --rm ... snapfeed worker      # arq worker
#   docker run --rm ... snapfeed migrate     # apply PostgreSQL migrations
#
# The source tree is kept in /app and installed in editable mode, because the
# migrations are read from `storage/../migrations` at run time.
# Every dependency ships a manylinux wheel (ffmpeg will come from the
# imageio-ffmpeg wheel), so no compiler or apt packages are needed.

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    SNAPFEED_HOST=0.0.0.0 \
    SNAPFEED_PORT=8000

WORKDIR /app

# 1) Dependencies only, from pyproject.toml: this layer is rebuilt only when
#    pyproject.toml changes, not on every source edit.
COPY pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# 2) The source tree, installed in place (no dependency resolution left to do).
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-deps -e . \
    && python -c "import storage.migrations as m; assert m.MIGRATIONS_DIR.is_dir(), m.MIGRATIONS_DIR"

# Unprivileged runtime user; the source stays root-owned and read-only to it.
RUN useradd --system --uid 10001 --user-group --home-dir /home/snapfeed --create-home snapfeed
USER snapfeed

EXPOSE 8000

ENTRYPOINT ["snapfeed"]
CMD ["serve"]
