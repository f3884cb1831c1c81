# The bot as a container: `docker build -t oneonone-bot .`, then `docker compose up` (compose.yaml) or
# `docker run -p 3000:3000 --env-file .env -v oneonone-data:/data oneonone-bot` (SQLite in /data).

# Build the wheel in a throwaway stage: the image gets the installed package, not the checkout.
FROM python:3.11-slim AS wheel
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY bot bot
COPY emulator emulator
COPY migrations migrations
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000
# The exact versions `make` and CI test with (constraints.txt, `make lock`); PostgreSQL's driver included.
COPY constraints.txt /tmp/constraints.txt
COPY --from=wheel /wheels /tmp/wheels
RUN pip install --constraint /tmp/constraints.txt "$(ls /tmp/wheels/*.whl)[postgres]" \
    && rm -rf /tmp/wheels /tmp/constraints.txt
# Never root: a fixed uid, owning only /data (the default SQLite database's directory).
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin oneonone \
    && mkdir /data && chown oneonone:oneonone /data
USER oneonone
WORKDIR /data
EXPOSE 3000
# slim has no curl: the standard library asks /healthz (503 when the database or the clock is in trouble).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=4)"
CMD ["oneonone", "run"]
