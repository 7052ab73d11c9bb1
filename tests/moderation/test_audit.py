"""The audit log: append-only at every layer, and a staff page that filters, paginates and escapes."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from moderation import audit
from moderation.models import AuditEntry
from moderation.services import threads as thread_actions
from tests.builders import build_category, build_member, build_moderator, build_thread

pytestmark = pytest.mark.django_db

Action = AuditEntry.Action
URL = reverse("moderation:audit")


@pytest.fixture
def entry(moderator, question):
    return audit.thread_changed(
        moderator, question, action=Action.THREAD_STATE, reason="Heated", before={"state": "open"}, after={}
    )


# Append-only ------------------------------------------------------------------------


def test_an_entry_cannot_be_saved_again(entry):
    entry.reason = "Rewritten history"
    with pytest.raises(PermissionDenied):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "Heated"


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(PermissionDenied):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_queryset_refuses_update_and_delete(entry):
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="Rewritten")
    with pytest.raises(PermissionDenied):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "Heated"


def test_the_database_refuses_a_raw_update(entry):
    table = AuditEntry._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET reason = %s WHERE id = %s", ["Rewritten", entry.pk])  # noqa: S608

    assert AuditEntry.objects.get(pk=entry.pk).reason == "Heated"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's trigger refuses updates only, so `flush` keeps working"
)
def test_the_database_refuses_a_raw_delete(entry):
    table = AuditEntry._meta.db_table
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])  # noqa: S608

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_failed_action_leaves_no_entry(moderator, question):
    thread_actions.lock_thread(moderator, thread=question)

    with pytest.raises(Exception, match="already locked"):
        thread_actions.lock_thread(moderator, thread=question)

    assert AuditEntry.objects.count() == 1


# Who may read it -------------------------------------------------------------------


def test_staff_read_the_log(client, staff, entry):
    client.force_login(staff)

    response = client.get(URL)

    assert response.status_code == 200
    page = Page.parse(response.content.decode())
    assert "Changed a thread's state" in page.text
    assert page.links_to(f"/t/{entry.target_id}/")


@pytest.mark.parametrize("who", ["member", "moderator", "banned staff"])
def test_others_may_not(client, who, entry, member, moderator):
    user = {"member": member, "moderator": moderator}.get(who)
    if who == "banned staff":
        user = build_member(is_staff_member=True)
        User.objects.filter(pk=user.pk).update(is_active=False)
    client.force_login(user)

    response = client.get(URL)

    assert response.status_code == (302 if who == "banned staff" else 403)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


# Filters and pages -------------------------------------------------------------------


@pytest.fixture
def history(staff, moderator, member, category):
    """Entries of several kinds, by two actors, in two categories, on three days."""
    billing = build_category(name="Billing")
    thread = build_thread(member, category=category, title="The bulb won't pair")
    invoice = build_thread(member, category=billing, title="Charged twice this month")
    thread_actions.lock_thread(moderator, thread=thread)
    thread_actions.pin_thread(staff, thread=invoice)
    thread_actions.rename_thread(staff, thread=invoice, title="Charged twice in March")
    audit.member_noted(moderator, member, body="Keeps double posting")
    return {"billing": billing, "thread": thread, "invoice": invoice}


def labels(response) -> list[str]:
    return [row.entry.get_action_display() for row in response.context["rows"]]


def test_filter_by_action(client, staff, history):
    client.force_login(staff)
    response = client.get(URL, {"action": Action.THREAD_PINNED})
    assert labels(response) == ["Pinned or unpinned a thread"]


def test_filter_by_actor_username(client, staff, history):
    client.force_login(staff)
    response = client.get(URL, {"actor": "@MONA"})
    assert labels(response) == ["Noted on a member", "Changed a thread's state"]


def test_filter_by_target_type(client, staff, history):
    client.force_login(staff)
    response = client.get(URL, {"target_type": "member"})
    assert labels(response) == ["Noted on a member"]


def test_filter_by_category_includes_sub_categories(client, staff, member, moderator, history):
    child = build_category(name="Refunds", parent=history["billing"])
    refund = build_thread(member, category=child, title="Refund never arrived")
    thread_actions.close_thread(moderator, thread=refund)
    client.force_login(staff)

    response = client.get(URL, {"category": history["billing"].pk})

    assert labels(response) == ["Changed a thread's state", "Renamed a thread", "Pinned or unpinned a thread"]


def test_filter_by_date_range(client, staff, moderator, history):
    old = AuditEntry(
        actor=moderator,
        action=Action.THREAD_STATE,
        target_type="thread",
        target_id=history["thread"].pk,
        target_label="old",
        created_at=timezone.now() - timedelta(days=10),
    )
    old.save()
    client.force_login(staff)
    today = timezone.localdate()

    recent = client.get(URL, {"since": (today - timedelta(days=1)).isoformat()})
    earlier = client.get(URL, {"until": (today - timedelta(days=5)).isoformat()})
    window = client.get(
        URL, {"since": (today - timedelta(days=11)).isoformat(), "until": (today - timedelta(days=9)).isoformat()}
    )

    assert len(labels(recent)) == 4
    assert [row.entry.pk for row in earlier.context["rows"]] == [old.pk]
    assert [row.entry.pk for row in window.context["rows"]] == [old.pk]


def test_a_backwards_date_range_is_a_field_error(client, staff, history):
    client.force_login(staff)

    response = client.get(URL, {"since": "2026-05-10", "until": "2026-05-01"})

    page = Page.parse(response.content.decode())
    assert "The end date comes before the start date." in page.text
    assert page.attrs("input", name="until")[0]["aria-invalid"] == "true"


def test_an_unknown_action_is_a_field_error_not_a_crash(client, staff, history):
    client.force_login(staff)
    response = client.get(URL, {"action": "<b>drop</b>", "page": "nonsense"})
    assert response.status_code == 200
    assert "Select a valid choice" in Page.parse(response.content.decode()).text


def test_pages_keep_the_filters(client, staff, moderator, question):
    for n in range(55):
        audit.thread_changed(moderator, question, action=Action.THREAD_PINNED, after={"pinned": bool(n % 2)})
    audit.thread_changed(moderator, question, action=Action.THREAD_STATE)
    client.force_login(staff)

    first = client.get(URL, {"action": Action.THREAD_PINNED})
    page = Page.parse(first.content.decode())
    next_link = page.attrs("a", rel="next")[0]["href"]
    second = client.get(URL + next_link)

    assert len(first.context["rows"]) == 50
    assert "action=thread_pinned" in next_link and "page=2" in next_link
    assert len(second.context["rows"]) == 5
    assert {row.entry.action for row in second.context["rows"]} == {Action.THREAD_PINNED}


@pytest.mark.parametrize("count", [5, 50])
def test_the_page_costs_a_constant_number_of_queries(
    client, staff, moderator, member, category, count, django_assert_max_num_queries
):
    threads = [build_thread(member, category=category, title=f"Thread number {n} here") for n in range(3)]
    actors = [moderator, staff, build_moderator(category=category)]
    for n in range(count):
        audit.thread_changed(
            actors[n % 3],
            threads[n % 3],
            action=Action.THREAD_MOVED,
            before={"category": "Old"},
            after={"category": "New"},
        )
    audit.member_noted(moderator, member, body="A note")
    client.force_login(staff)
    client.get(URL)  # the session is read from the database once, then from the cache

    # The user, the header bell's unread count, the header's queue count, the categories, the count and one
    # page of entries with their actors.
    with django_assert_max_num_queries(6):
        response = client.get(URL, {"target_type": "thread"})

    assert len(response.context["rows"]) == count


# Hostile input ------------------------------------------------------------------------


class Page(HTMLParser):
    """Elements with their attributes, and the page's text with scripts kept apart."""

    def __init__(self):
        super().__init__()
        self.elements, self.chunks, self.scripts, self._in_script = [], [], [], False

    @classmethod
    def parse(cls, html: str) -> "Page":
        page = cls()
        page.feed(html)
        return page

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append(dict(attrs))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if not self._in_script:
            self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def attrs(self, tag, **wanted):
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in wanted.items())]

    def links_to(self, href) -> bool:
        return any(a.get("href") == href for t, a in self.elements if t == "a")


HOSTILE_TITLE = '<script>alert("title")</script> pairing <img src=x onerror=alert(1)>'


def test_hostile_text_in_entries_comes_out_as_text(client, staff, moderator, member, category):
    thread = build_thread(member, category=category, title=HOSTILE_TITLE)
    thread_actions.rename_thread(
        moderator, thread=thread, title='"><svg onload=alert(2)> renamed', reason="<b>because</b> & <i>why</i>"
    )
    client.force_login(staff)

    response = client.get(URL)
    page = Page.parse(response.content.decode())

    assert all("src" in script for script in page.scripts), "no inline script reached the page"
    assert not page.attrs("img", src="x")
    assert not page.attrs("svg", onload="alert(2)")
    assert not [a for _, a in page.elements if any(name.startswith("on") for name in a)]
    assert HOSTILE_TITLE in page.text
    assert '"><svg onload=alert(2)> renamed' in page.text
    assert "<b>because</b> & <i>why</i>" in page.text
