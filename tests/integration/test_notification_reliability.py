"""Notification email under failure: a worker killed mid fan-out, a broker away, a transaction rolled back.

Each test that breaks something runs its own broker (a private redis-server on
a port of its own) and its own worker, so nothing it kills or stops is shared.
Web requests and the beat sweep run in separate processes pointed at that
broker, as they would in production; the SMTP sink counts what arrives.
"""

import signal
import time

import pytest
from django.db import transaction
from kombu import Connection

from accounts.models import User
from community.models import Post, Subscription
from notifications.models import Delivery, Kind, Notification, Preference
from outbox.models import Event
from tests.builders import build_category, build_member, build_reply, build_thread
from tests.private_redis import running_redis
from tests.services import run_django, start_worker, stop

pytestmark = pytest.mark.django_db(transaction=True)

RECIPIENTS = 1_000
KILLS = 3
OUTAGE_SECONDS = 30
# Small batches, so that the fan-out itself, not only the sending, is under way when a kill lands.
WORKER_ENV = {"NOTIFICATION_BATCH_SIZE": "100"}


def email_watchers(thread, count: int, domain: str) -> list[User]:
    """`count` members who watch `thread` and want its new replies by email (rows in bulk: the sign-up
    service would take minutes and tell nothing more)."""
    users = User.objects.bulk_create(
        User(username=f"{domain.split('.')[0]}{n}", email=f"w{n}@{domain}", password="!", trust_level=1)
        for n in range(count)
    )
    Subscription.objects.bulk_create(Subscription(user=user, thread=thread) for user in users)
    Preference.objects.bulk_create(
        Preference(user=user, kind=Kind.WATCHED_REPLY, in_app=True, email=True) for user in users
    )
    return users


def to_domain(inbox, domain: str) -> list:
    return [m for m in inbox.messages if m["To"].endswith(f"@{domain}")]


def sweep(broker_url: str) -> int:
    """The beat's outbox sweep, run once as beat would, in a process of its own."""
    return int(run_django("from outbox.bus import sweep\nprint(sweep())", broker_url))


def restore_unacknowledged(broker_url: str) -> None:
    """What Redis does for a dead worker once the visibility timeout has passed: the tasks it had
    taken and not acknowledged (acks_late) go back on their queue. The timeout is an hour in
    settings; here it is taken as passed, as the worker that held them is dead."""
    with Connection(broker_url, transport_options={"visibility_timeout": 0}) as connection:
        connection.default_channel.qos.restore_visible(num=10_000)


def redrive(broker_url: str) -> int:
    """The beat's redrive, run once in a process of its own, its hour (the broker's visibility timeout)
    taken as passed for deliveries 30 s overdue: every dead worker's tasks were given back at once here."""
    return int(
        run_django(
            "from datetime import timedelta\nfrom outbox.bus import redrive\n"
            "print(redrive(older_than=timedelta(seconds=30)))",
            broker_url,
        )
    )


def wait_for(
    inbox, domain: str, count: int, *, timeout: float, broker_url: str | None = None, redriving: bool = False
) -> list:
    """Wait until `count` distinct messages reached `domain`, running the beat's sweep (and, if
    `redriving`, its redrive) on `broker_url` now and then."""
    deadline = time.monotonic() + timeout
    next_sweep = time.monotonic() + 12
    while len({m["Message-ID"] for m in to_domain(inbox, domain)}) < count:
        assert time.monotonic() < deadline, (
            f"{len({m['Message-ID'] for m in to_domain(inbox, domain)})} of {count} emails after {timeout:.0f} s; "
            f"{Delivery.objects.filter(channel='email').count()} email deliveries recorded"
        )
        if broker_url and time.monotonic() > next_sweep:
            sweep(broker_url)
            if redriving:
                redrive(broker_url)
            next_sweep = time.monotonic() + 12
        time.sleep(0.2)
    return to_domain(inbox, domain)


def test_a_worker_killed_during_a_fan_out_loses_no_email_and_doubles_at_most_one_per_kill(smtp_sink, tmp_path, capsys):
    inbox, smtp_port = smtp_sink
    domain = "killed.example"
    with running_redis(tmp_path) as redis:
        # Given a thread whose 1,000 watchers want its replies by email, and one worker
        asker, answerer = build_member(), build_member()
        thread = build_thread(asker, category=build_category(name="Kills"))
        email_watchers(thread, RECIPIENTS, domain)
        env = {**WORKER_ENV, "CELERY_BROKER_URL": redis.url, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}"}
        worker = start_worker(tmp_path / "worker-0.log", "kills", **env)
        try:
            # When a reply commits, and the worker is killed (-9) three times while it fans out and sends
            run_django(
                "from accounts.models import User\n"
                "from community.models import Post\n"
                "from community.services.posts import reply\n"
                f"reply(User.objects.get(pk={answerer.pk}), parent=Post.objects.get(pk={thread.opening_post_id}),"
                " body='Hold the button for ten seconds.')\n",
                redis.url,
            )
            for kill in range(1, KILLS + 1):
                wait_for(inbox, domain, kill * RECIPIENTS // (KILLS + 2), broker_url=redis.url, timeout=120)
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=10)
                restore_unacknowledged(redis.url)
                worker = start_worker(tmp_path / f"worker-{kill}.log", "kills", **env)

            # Then every watcher gets the email, with no more duplicates than kills: a task a kill took
            # off the queue before the broker recorded it as taken comes back through the beat's redrive
            wait_for(inbox, domain, RECIPIENTS, broker_url=redis.url, timeout=180, redriving=True)
            time.sleep(2)  # anything late would show now
        finally:
            stop(worker)
    received = to_domain(inbox, domain)
    distinct = {m["Message-ID"] for m in received}
    with capsys.disabled():
        print(f"\n{KILLS} kills: {len(received)} messages, {len(received) - len(distinct)} of them duplicates")
    assert len(distinct) == RECIPIENTS
    assert {m["To"] for m in received} == {f"w{n}@{domain}" for n in range(RECIPIENTS)}
    assert len(received) - len(distinct) <= KILLS
    reply_post = Post.objects.get(thread=thread, parent_id=thread.opening_post_id)
    assert Notification.objects.filter(post=reply_post, recipient__email__endswith=domain).count() == RECIPIENTS


def test_replies_posted_while_the_broker_is_away_are_saved_and_mailed_once_when_it_returns(smtp_sink, tmp_path):
    inbox, smtp_port = smtp_sink
    domain = "outage.example"
    repliers = 5  # five replies, each to the same 200 watchers: 1,000 emails
    with running_redis(tmp_path) as redis:
        redis.stop()  # the port stays ours: connecting to it is refused until the server is back
        # Given a thread that 200 members watch by email, and members about to reply to it
        asker = build_member()
        thread = build_thread(asker, category=build_category(name="Outage"))
        email_watchers(thread, RECIPIENTS // repliers, domain)
        members = [build_member() for _ in range(repliers)]

        # When they post their replies through the site while the broker is unreachable
        outage_started = time.monotonic()
        answers = run_django(
            "import time\n"
            "from django.test import Client\n"
            "from django.test.utils import setup_test_environment\n"
            "from accounts.models import User\n"
            "setup_test_environment()\n"
            f"for n, pk in enumerate({[m.pk for m in members]}):\n"
            "    client = Client()\n"
            "    client.force_login(User.objects.get(pk=pk))\n"
            "    started = time.monotonic()\n"
            f"    posted = client.post('/posts/{thread.opening_post_id}/reply/', {{'body': f'Reply number {{n}}.'}})\n"
            "    page = client.get(posted.url) if posted.status_code == 302 else posted\n"
            "    print(posted.status_code, page.status_code, round(time.monotonic() - started, 2))\n",
            redis.url,
        )
        statuses = [line.split() for line in answers.splitlines()]
        assert all(posted == "302" and page == "200" for posted, page, _ in statuses), answers
        assert Post.objects.filter(thread=thread, parent_id=thread.opening_post_id).count() == repliers
        held_back = Event.objects.filter(type="ReplyPosted", relayed_at=None)
        assert held_back.count() == repliers
        assert not to_domain(inbox, domain)
        time.sleep(max(0, OUTAGE_SECONDS - (time.monotonic() - outage_started)))

        # Then, once the broker is back, the sweep hands the replies over and every email arrives once
        redis.start()
        worker = start_worker(
            tmp_path / "worker.log",
            "outage",
            **WORKER_ENV,
            CELERY_BROKER_URL=redis.url,
            EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        )
        try:
            assert sweep(redis.url) >= repliers
            wait_for(inbox, domain, RECIPIENTS, broker_url=redis.url, timeout=150)
            time.sleep(2)  # anything late or doubled would show now
        finally:
            stop(worker)
    received = to_domain(inbox, domain)
    assert len(received) == len({m["Message-ID"] for m in received}) == RECIPIENTS
    assert not held_back.exists()


def test_a_rolled_back_reply_tells_nobody(smtp_sink, broker, celery_worker_process):
    inbox, _ = smtp_sink
    domain = "rollback.example"
    asker, answerer = build_member(), build_member()
    thread = build_thread(asker, category=build_category(name="Rollback"))
    email_watchers(thread, 3, domain)

    # When a reply is written and its transaction rolls back
    with pytest.raises(RuntimeError), transaction.atomic():
        build_reply(answerer, thread.opening_post, "Never mind.")
        raise RuntimeError("rolled back")

    # Then a reply that commits afterwards, through the same worker, is the only one anybody hears of
    kept = build_reply(answerer, thread.opening_post, "This one stays.")
    wait_for(inbox, domain, 3, timeout=60)
    time.sleep(2)  # anything the rolled-back reply had queued would have arrived by now
    (event,) = Event.objects.filter(type="ReplyPosted", payload__thread_id=thread.pk)
    assert event.payload["post_id"] == kept.pk
    received = to_domain(inbox, domain)
    assert len(received) == 3
    assert all(m["Message-ID"].startswith(f"<{event.payload['event_id']}.") for m in received)
    assert not Post.objects.filter(body="Never mind.").exists()
    assert set(Notification.objects.filter(thread=thread).values_list("post_id", flat=True)) == {kept.pk}
