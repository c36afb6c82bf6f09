# Regie: the web app on granian. With compose.yaml it runs against PostgreSQL; on its own it falls
# back to SQLite in /app/var (then with one worker).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Copy only what the app needs: no .venv, var/ (local database, secret key), .git or tests.
COPY pyproject.toml README.md piccolo_conf.py ./
COPY regie/ regie/
COPY accounts/ accounts/
COPY shared/ shared/
COPY portal/ portal/
COPY municipal/ municipal/
COPY templates/ templates/
COPY static/ static/

# Editable on purpose: shared/settings.py finds templates/ and static/ through ROOT, the parent of
# the shared package. A regular install would put that package in site-packages and ROOT with it.
RUN pip install -e . \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin regie \
 && mkdir -p /app/var \
 && chown regie:regie /app/var

# SQLite database and a generated secret key go to /app/var when DATABASE_URL / SECRET_KEY are unset.
USER regie

EXPOSE 8000

# exec: granian replaces the shell, so it gets SIGTERM from `docker stop` and shuts down cleanly.
CMD ["sh", "-c", "regie migrate && exec regie serve --host 0.0.0.0 --port 8000 --workers 4"]
