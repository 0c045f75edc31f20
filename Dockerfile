# Space Doctor as a container: the same image runs as a Hugging Face Docker Space (which routes its port 7860 and
# runs the container as user id 1000) or anywhere else (docker run, Kubernetes, a PaaS).
#   docker build -t space-doctor .
#   docker run -e DISCORD_TOKEN=… -e SPACEDOC_DB=postgresql://… -p 7860:7860 space-doctor
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    SPACEDOC_HTTP_PORT=7860

# Runtime dependencies only (requirements-dev.txt holds the test tools), installed as root, before the sources so
# that a code change does not reinstall them.
COPY requirements.txt /tmp/requirements.txt
RUN pip install -r /tmp/requirements.txt && rm /tmp/requirements.txt

# An unprivileged user with the id Hugging Face Spaces run containers as; it owns the working directory, where the
# default SQLite store (SPACEDOC_DB=spacedoc.sqlite3) is written.
RUN useradd --create-home --uid 1000 user
USER user
WORKDIR /home/user/app
COPY --chown=user bot.py ./
COPY --chown=user diagnosis ./diagnosis
COPY --chown=user spacedoc ./spacedoc
COPY --chown=user cogs ./cogs
COPY --chown=user forum ./forum
# the loopback stand-ins, for `docker run IMAGE python bot.py --demo` (the bot itself never imports them)
COPY --chown=user sandbox ./sandbox

EXPOSE 7860
# 200 from GET /healthz, else the runtime marks the container unhealthy (503: store unreachable, or Discord gone
# for minutes). The probe reads SPACEDOC_HTTP_PORT, so `-e SPACEDOC_HTTP_PORT=…` moves it too.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 CMD ["python", "-m", "spacedoc.healthcheck"]
CMD ["python", "bot.py"]
