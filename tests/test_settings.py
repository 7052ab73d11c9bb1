"""The one settings module switches services by environment variables alone."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, django
from django.conf import settings
django.setup()
from config.celery import app
print(json.dumps({
    "db": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "channels": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "eager": app.conf.task_always_eager,
    "broker": app.conf.broker_url,
    "email": settings.EMAIL_BACKEND,
    "email_host": getattr(settings, "EMAIL_HOST", ""),
    "email_port": getattr(settings, "EMAIL_PORT", 0),
    "site_url": settings.SITE_URL,
    "link_protocol": settings.ACCOUNT_DEFAULT_HTTP_PROTOCOL,
}))
"""


def run_with(env, *args):
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DEBUG", "SITE_URL"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60, check=False
    )


def probe(tmp_path, **env):
    result = run_with({"VAR_DIR": str(tmp_path), **env}, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_embedded_defaults_need_no_services(tmp_path):
    config = probe(tmp_path)

    assert config["db"] == "django.db.backends.sqlite3"
    assert config["db_name"] == str(tmp_path / "concierge.sqlite3")
    assert "journal_mode=WAL" in config["db_options"]["init_command"]
    assert config["cache"].endswith("LocMemCache")
    assert config["channels"] == "channels.layers.InMemoryChannelLayer"
    assert config["eager"] is True
    assert config["email"] == "django.core.mail.backends.console.EmailBackend"
    assert (config["site_url"], config["link_protocol"]) == ("http://127.0.0.1:8000", "http")


def test_service_urls_switch_to_production_backends(tmp_path):
    config = probe(
        tmp_path,
        DATABASE_URL="postgres://concierge@db.internal:5432/concierge",
        REDIS_URL="redis://cache.internal:6379/2",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.internal:587",
        SITE_URL="https://community.example.com/",
    )

    assert config["db"] == "config.postgresql"  # Django's, with its health check kept for idle connections
    assert config["cache"] == "config.cache.RedisCache"
    assert config["channels"] == "channels_redis.core.RedisChannelLayer"
    assert config["eager"] is False
    assert config["broker"] == "redis://cache.internal:6379/2"
    assert config["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (config["email_host"], config["email_port"]) == ("smtp.internal", 587)
    assert (config["site_url"], config["link_protocol"]) == ("https://community.example.com", "https")


def test_deploy_check_is_clean_in_production_mode(tmp_path):
    result = run_with(
        {
            "VAR_DIR": str(tmp_path),
            "DEBUG": "false",
            "SECRET_KEY": "k3y-" + "x7Qp9!vR2#mL5@wZ8$" * 4,
            "ALLOWED_HOSTS": "community.example.com",
            "SITE_URL": "https://community.example.com",
        },
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_flags_the_fallback_secret_key(tmp_path):
    result = run_with(
        {"VAR_DIR": str(tmp_path), "DEBUG": "false", "ALLOWED_HOSTS": "community.example.com"},
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_deploy_check_flags_links_to_the_embedded_site_url(tmp_path):
    result = run_with(
        {
            "VAR_DIR": str(tmp_path),
            "DEBUG": "false",
            "SECRET_KEY": "k3y-" + "x7Qp9!vR2#mL5@wZ8$" * 4,
            "ALLOWED_HOSTS": "community.example.com",
        },
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )

    assert result.returncode != 0
    assert "config.W001" in result.stdout + result.stderr


def test_oidc_sign_in_is_switched_on_by_settings_alone(tmp_path):
    providers = (
        '{"openid_connect": {"APPS": [{"provider_id": "acme-sso", "name": "Acme SSO", "client_id": "id",'
        ' "secret": "s", "settings": {"server_url": "https://sso.acme.example/"}}]}}'
    )
    env = {"VAR_DIR": str(tmp_path), "SOCIAL_PROVIDERS": "openid_connect", "SOCIALACCOUNT_PROVIDERS_JSON": providers}
    assert run_with(env, "manage.py", "migrate", "-v0").returncode == 0
    page = run_with(
        env,
        "-c",
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "print(Client().get('/accounts/login/').content.decode())",
    )

    assert page.returncode == 0, page.stderr
    assert "Acme SSO" in page.stdout
    assert "/accounts/oidc/acme-sso/login/" in page.stdout


def test_each_request_line_is_logged_once(tmp_path):
    lines = {
        "django.channels.server": "HTTP GET /probe/ 200 [0.01, 127.0.0.1:5000]",
        "django.server": '"GET /wsgi-probe/ HTTP/1.1" 200 5',
        "django.request": "Not Found: /missing/",
    }
    script = "import logging, django\ndjango.setup()\n" + "".join(
        f"logging.getLogger({name!r}).warning({line!r})\n" for name, line in lines.items()
    )

    result = run_with({"VAR_DIR": str(tmp_path)}, "-c", script)

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert {line: output.count(line) for line in lines.values()} == dict.fromkeys(lines.values(), 1)
