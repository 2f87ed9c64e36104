"""gunicorn entry point: ``gunicorn app.wsgi:server`` (DATABASE_URL must be set)."""

from app.main import create_app
from exitmap.db import database_url

server = create_app(database_url()).server
