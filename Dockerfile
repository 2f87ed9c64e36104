# exitmap app image. The database is a separate PostGIS container (see compose.yaml).
# Not built on the development machines (no Docker engine there); kept deliberately plain.
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/exitmap
COPY pyproject.toml README.md ./
COPY exitmap ./exitmap
COPY etl ./etl
COPY layers ./layers
COPY app ./app
COPY exports ./exports
COPY access ./access
COPY data ./data
COPY deploy ./deploy
RUN pip install --no-cache-dir -e .

# The app runs as its own unprivileged user; the code stays root's, read-only to it. Its home
# is where Chromium (briefing images) keeps its profile.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/exitmap exitmap
USER exitmap

ENV PYTHONUNBUFFERED=1
EXPOSE 8050
# DATABASE_URL must point at the PostGIS service; migrations run before serving. The port is
# published on the host's loopback (compose.yaml), behind nginx.
CMD ["sh", "-c", "exitmap db migrate && exitmap serve --prod --host 0.0.0.0 --port 8050"]
