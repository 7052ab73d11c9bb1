"""Concierge settings: one module, configured by environment variables.

With no variables set, the site runs embedded: SQLite under ``var/``, a
locmem cache, the in-memory channel layer, eager Celery and console email.
``DATABASE_URL``, ``REDIS_URL`` and ``EMAIL_URL`` switch each part to its
production service without changing any code path.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# The fallback key only exists so that the embedded site starts; a production
# deployment must set SECRET_KEY, and `check --deploy` flags the fallback.
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-embedded-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_NAME = env.str("SITE_NAME", default="Concierge")
# Where members reach the site: every link built without a request (mail sent
# by a worker, allauth's mail through the Sites framework) starts with it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1
# Mounts the bare "ceiling" page that `make bench` measures every page against.
BENCHMARK = env.bool("BENCHMARK", default=False)

INSTALLED_APPS = [
    "daphne",
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "channels",
    "django_htmx",
    "csp",
    "mptt",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    # The event outbox sits under every domain app: accounts mails through it too.
    "outbox",
    "accounts",
    # Each app's seed_demo extends the next one's: faq's adds the FAQ to recognition's, which adds
    # points, badges and the team to moderation's, which adds moderation's demo data to community's.
    # The first in this list is the one manage.py runs.
    "faq",
    "recognition",
    "moderation",
    "community",
    "notifications",
]

# Social and OIDC sign-in is switched on by settings alone: list provider
# modules in SOCIAL_PROVIDERS (e.g. "github,google,openid_connect") and give
# their credentials in SOCIALACCOUNT_PROVIDERS_JSON (see the README).
SOCIAL_PROVIDERS = env.list("SOCIAL_PROVIDERS", default=[])
INSTALLED_APPS += [f"allauth.socialaccount.providers.{name}" for name in SOCIAL_PROVIDERS]
SOCIALACCOUNT_PROVIDERS = env.json("SOCIALACCOUNT_PROVIDERS_JSON", default={})

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before anything reads a form: Django would store invalid UTF-8 garbled.
    "config.middleware.RefuseInvalidUtf8Forms",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, handing views and templates the member itself once loaded (see the class).
    "config.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
            ],
        },
    },
    # For the few templates whose rendering cost shows in the benchmark (a page of
    # replies): compiled to Python, several times faster than Django's engine.
    # They live in each app's jinja2/ folder and see no context processors.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]
# Functions other apps lend the Jinja2 templates: the FAQ's parts of a thread page.
JINJA2_GLOBALS = {
    "faq_banner": "faq.jinja.banner",
    "faq_promote_tools": "faq.jinja.promote_tools",
    "may_suggest_for_faq": "faq.jinja.may_suggest",
}

# Databases -------------------------------------------------------------------
# An empty DATABASE_URL counts as unset, like every other service variable.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'concierge.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while a writer commits; IMMEDIATE takes the write
    # lock at BEGIN so concurrent writers queue instead of failing mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not memory, so the browser tests' live server threads each get
    # their own connection instead of sharing one across threads.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's, with the health check skipped for a connection proven a moment ago.
        # Prepared statements only for the reads config.prepared runs, not for every query
        # (psycopg's server-side binding): after five runs PostgreSQL may keep one generic plan per
        # statement, which for a read without an index of its own can be far worse than a fresh plan
        # (a member's votes read through their posts once scanned all 30,000 of a prolific voter's).
        DATABASES["default"]["ENGINE"] = "config.postgresql"
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
# Off behind a pooler in transaction mode (PgBouncer's), which cannot keep a session's statements.
PREPARED_READS = env.bool("PREPARED_READS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: cache, Celery broker and channel layer -------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Django's RedisCache, except that an unreachable Redis reads as an empty
    # cache: pages then come from the database instead of failing.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="concierge"),
            "OPTIONS": {
                # allauth's rate limits take a lock with `add`, so a cache that
                # stores nothing would refuse every sign-in; while Redis is away,
                # each process counts them itself: looser, but never lifted.
                "local_while_unreachable": ["allauth:rl:"],
            },
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s timeout by default, the same as channels_redis's blocking
            # pop, which then fails now and again and closes a socket mid-handshake. Longer than the
            # pop, and still finite, so a dead connection is noticed.
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}], "prefix": "channels"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Sessions are read from the cache, and from the database, which holds them
# all, whenever the cache misses or is unreachable.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Eager tasks still pass through a pooled broker connection; one without a
# host name makes kombu warn about it on every connection the pool opens.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# When the beat's redrive hands a missing delivery over again: by then the
# broker has given back what a dead worker held, and what is still missing was lost.
OUTBOX_REDRIVE_AFTER = timedelta(seconds=env.int("OUTBOX_REDRIVE_AFTER_SECONDS", default=3600))

# Email ---------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <community@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Accounts ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.backends.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Sessions record the backend that signed them in: kept so that earlier sessions stay valid.
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = True
# A taken address gets a clear answer at sign-up, as members expect; the
# signup rate limit below keeps that from being used to enumerate accounts.
ACCOUNT_PREVENT_ENUMERATION = False
ACCOUNT_USERNAME_BLACKLIST = ["admin", "staff", "moderator", "concierge", "support", "team", "root"]
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
# allauth builds links outside a request from this and the Site row (config.site).
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(SITE_URL).scheme
# allauth's defaults already limit failed logins per IP and per account; these
# are stated so the policy is visible and can be tuned in one place. The
# `login_failed` key is the account and the address together (accounts/adapter.py),
# so a stranger's wrong passwords lock out only the stranger.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", default="10/m/ip,5/5m/key"),
    "signup": env.str("RATE_LIMIT_SIGNUP", default="10/m/ip,50/d/ip"),
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
# Behind proxies, the client's address is the one this many proxies from the
# end of X-Forwarded-For; with 0 it is REMOTE_ADDR, which a proxy would make the
# same for every member, so the per-address sign-in limits would lock out all.
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)
AVATAR_SIZE = 256
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
ATTACHMENT_MAX_SIDE = 2048

# What other apps add to community pages, which never import them: each entry
# is a function returning the HTML of its own slot (see community.views.search).
COMMUNITY_SEARCH_PROVIDERS = ["faq.search.site_search_results"]
COMMUNITY_SIMILAR_PROVIDERS = ["faq.deflection.ask_suggestions"]
# The cache keys other apps' regions on a thread page read, given (viewer, thread id, version):
# the page reads them with its own, in one round trip. Given version None, those read whatever
# the version, which a visitor's page reads with its version.
COMMUNITY_THREAD_PAGE_KEYS = ["faq.selectors.thread_banner_keys"]
# Facts about a thread other apps' regions on its page need, each a dict of expressions over the
# thread's row: read with its header and kept with it, so a change to one must move the thread's version.
COMMUNITY_THREAD_FACTS = ["faq.selectors.thread_facts"]

# Moderation ----------------------------------------------------------------
# Posting limits per trust level (0 = new member ... 4 = leader): each entry is
# (how many, per how many seconds). They rise with trust. The level-0 and
# level-1 defaults follow what large communities found workable.
_MINUTE, _HOUR, _DAY = 60, 3600, 86_400
MODERATION_RATE_LIMITS = {
    "post": {0: [(1, 30), (10, _DAY)], 1: [(1, 5), (100, _DAY)], 2: [(1, 5)], 3: [(1, 3)], 4: [(1, 2)]},
    "thread": {0: [(1, 2 * _MINUTE), (3, _DAY)], 1: [(1, 15), (20, _DAY)], 2: [(1, 15)], 3: [(1, 10)], 4: [(1, 5)]},
    "vote": {0: [(50, _DAY)], 1: [(100, _DAY)], 2: [(200, _DAY)], 3: [(400, _DAY)], 4: [(1000, _DAY)]},
    "flag": {0: [(5, _DAY)], 1: [(10, _DAY)], 2: [(20, _DAY)], 3: [(40, _DAY)], 4: [(100, _DAY)]},
}
# The same text may not be posted twice by one member within this many seconds.
MODERATION_DUPLICATE_SECONDS = env.int("MODERATION_DUPLICATE_SECONDS", default=5 * _MINUTE)
# Posts by members below this trust level wait in the review queue (0 = off).
MODERATION_PREMODERATE_BELOW = env.int("MODERATION_PREMODERATE_BELOW", default=1)
# Links allowed in one post, per trust level; levels not listed are unlimited.
MODERATION_LINK_LIMITS = {0: 2}
# A member earns a level when they reach every threshold of it; sanctions in
# the last SANCTION_DAYS days hold them at level 0 (suspension, ban) or 1 (warning).
# Reputation is recognition's points (RECOGNITION_POINTS): about 3 helpful votes for level 2.
TRUST_LEVEL_THRESHOLDS = {
    1: {"days_active": 1, "posts": 1},
    2: {"days_active": 7, "posts": 10, "reputation": 25},
    3: {"days_active": 30, "posts": 50, "accepted_answers": 5, "reputation": 250, "flags_upheld": 1},
    4: {"days_active": 90, "posts": 200, "accepted_answers": 25, "reputation": 1000, "flags_upheld": 5},
}
TRUST_SANCTION_DAYS = 90
# A flag weighs more the more trusted its author; moderators' flags weigh most.
MODERATION_FLAG_WEIGHTS = {0: 1, 1: 1, 2: 2, 3: 3, 4: 4}
MODERATION_MODERATOR_FLAG_WEIGHT = 5
# When the pending flags on a post weigh this much, it is hidden until a moderator decides.
MODERATION_AUTO_HIDE_WEIGHT = env.int("MODERATION_AUTO_HIDE_WEIGHT", default=5)
# A claimed queue item is the claimer's alone for this long.
MODERATION_CLAIM_SECONDS = 15 * _MINUTE

# Recognition -----------------------------------------------------------------
# Points per reason (recognition.models.PointsEntry.Reason), given to the member named.
RECOGNITION_POINTS = {
    "answer_accepted": 15,  # to the answerer
    "accepted_an_answer": 2,  # to the asker who accepted
    "helpful_answer": 10,  # a helpful vote on an answer or reply
    "helpful_question": 5,  # a helpful vote on a question
    "idea_vote": 2,
    "idea_shipped": 20,
    "faq_promoted": 25,
    "flag_upheld": 2,
}
# Reputation a member may gain in one day (UTC), and from any one other member in one day.
RECOGNITION_DAILY_CAP = env.int("RECOGNITION_DAILY_CAP", default=200)
RECOGNITION_DAILY_CAP_PER_MEMBER = env.int("RECOGNITION_DAILY_CAP_PER_MEMBER", default=40)
# Rank titles by the reputation that reaches them, lowest first.
RECOGNITION_RANKS = [
    (0, "Newcomer"),
    (25, "Contributor"),
    (100, "Helper"),
    (500, "Expert"),
    (1500, "Guru"),
    (5000, "Legend"),
]
# Pages of the apps beside community rendered through community.caching.render_shared
# (one shared rendering plus each member's {% personal %} regions), held to its checks.
COMMUNITY_SHARED_TEMPLATES = [
    "recognition/profile.html",
    "recognition/badges.html",
    "recognition/badge.html",
    "recognition/team.html",
    "recognition/leaderboard.html",
    "faq/article.html",
    "faq/home.html",
    "faq/section.html",
]
# Reputation past which a member becomes a super user, unless staff removed them.
RECOGNITION_SUPER_USER_REPUTATION = env.int("RECOGNITION_SUPER_USER_REPUTATION", default=1000)
# Serial voting: this many votes by one member for one author's posts within this many
# minutes is taken back by the nightly check, which looks at the last LOOKBACK hours.
RECOGNITION_SERIAL_VOTES = env.int("RECOGNITION_SERIAL_VOTES", default=5)
RECOGNITION_SERIAL_MINUTES = env.int("RECOGNITION_SERIAL_MINUTES", default=60)
RECOGNITION_SERIAL_LOOKBACK_HOURS = env.int("RECOGNITION_SERIAL_LOOKBACK_HOURS", default=26)

# Notifications ---------------------------------------------------------------
# What a member hears, and how, until they choose (notifications.models.Kind):
# in the community for everything, by email only for what is addressed to them.
# Moderation already writes to a member whose post it hid or removed, or whom it
# sanctioned (moderation.services.feedback), so those are not emailed twice.
NOTIFICATION_DEFAULTS = {
    "reply": {"in_app": True, "email": True},
    "answer": {"in_app": True, "email": True},
    "accepted": {"in_app": True, "email": True},
    "verified": {"in_app": True, "email": True},
    "mention": {"in_app": True, "email": True},
    "new_thread": {"in_app": True, "email": False},
    "watched_reply": {"in_app": True, "email": False},
    "status": {"in_app": True, "email": True},
    "moderation": {"in_app": True, "email": True},
    "flag": {"in_app": True, "email": False},
    # Emailed whatever this says (notifications.emails.REQUIRED_KINDS).
    "sanction": {"in_app": True, "email": True},
    "promoted": {"in_app": True, "email": True},
    "badge": {"in_app": True, "email": False},
    "rank": {"in_app": True, "email": False},
    "thread_moved": {"in_app": True, "email": False},
    "staff_reply": {"in_app": True, "email": True},
    "conversation": {"in_app": True, "email": True},
    "invited": {"in_app": True, "email": True},
    "escalated": {"in_app": True, "email": True},
    "reminder": {"in_app": True, "email": True},
}
# The ladder of an unanswered question (notifications.escalation), in hours from its asking.
ESCALATION_INVITE_AFTER_HOURS = env.int("ESCALATION_INVITE_AFTER_HOURS", default=4)
ESCALATION_STAFF_AFTER_HOURS = env.int("ESCALATION_STAFF_AFTER_HOURS", default=24)
# How many members one question invites, and how many invitations one member gets a day.
ESCALATION_INVITES_PER_QUESTION = env.int("ESCALATION_INVITES_PER_QUESTION", default=3)
ESCALATION_INVITES_PER_MEMBER_PER_DAY = env.int("ESCALATION_INVITES_PER_MEMBER_PER_DAY", default=3)
# An asker with answers but none accepted is reminded once, this many days after the first answer.
ESCALATION_REMIND_AFTER_DAYS = env.int("ESCALATION_REMIND_AFTER_DAYS", default=3)
ESCALATION_UNANSWERED_PER_PAGE = 30
# Recipients per fan-out task: small enough to retry cheaply, large enough to keep queries few.
NOTIFICATION_BATCH_SIZE = env.int("NOTIFICATION_BATCH_SIZE", default=500)
NOTIFICATIONS_PER_PAGE = 30
# How long an email's unsubscribe link works.
NOTIFICATION_UNSUBSCRIBE_MAX_AGE = env.int("NOTIFICATION_UNSUBSCRIBE_MAX_AGE", default=90 * 24 * 60 * 60)
# Digests: members per task, and how many items each section of one shows.
DIGEST_BATCH_SIZE = env.int("DIGEST_BATCH_SIZE", default=200)
DIGEST_ITEMS = 5

# Static and media ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "config.staticfiles.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 6_291_456

# Internationalisation ---------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Security ------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Scripts come only from our own origin: no inline script and no eval, so a
# sanitiser slip cannot become script execution.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's default config gives "django" a console handler of its own,
        # and it propagates to root's as well: every request line that runserver
        # (daphne's, under `make run`) logs would be printed twice.
        "django": {"handlers": [], "level": "INFO"},
    },
}
