FROM python:3.11-slim

# PYTHONPATH=/app: the app finds templates/, static/ and migrations/ next to the saas package,
# so the source tree in /app is what runs; `pip install .` provides the dependencies.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    TEND_ENV=production \
    TEND_INSTANCE_DIR=/app/instance

WORKDIR /app

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin tend

COPY pyproject.toml README.md ./
COPY saas ./saas
COPY worker ./worker
RUN pip install . && rm -rf build ./*.egg-info

COPY migrations ./migrations
COPY templates ./templates
COPY static ./static
RUN mkdir -p /app/instance && chown tend:tend /app/instance

USER tend
EXPOSE 8000

CMD ["sh", "-c", "flask --app saas db upgrade && flask --app saas grant-app-role tend_app && flask --app saas grant-backup-role tend_backup --if-exists && flask --app saas purge-support && flask --app saas reply-digest && flask --app saas recheck-domains --no-run && exec gunicorn --bind 0.0.0.0:8000 --access-logfile - saas.wsgi:app"]
