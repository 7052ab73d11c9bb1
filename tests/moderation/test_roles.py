"""/mod/moderators/: staff appoint and remove moderators through moderation.services.roles."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.models import User
from community import permissions as community_permissions
from moderation.models import AuditEntry, ModeratorRole
from tests.builders import build_category, build_member, build_moderator

pytestmark = pytest.mark.django_db

URL = reverse("moderation:moderators")


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements, self.chunks = [], []

    @classmethod
    def parse(cls, response) -> "Page":
        page = cls()
        page.feed(response.content.decode())
        return page

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def attrs(self, tag, **wanted):
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in wanted.items())]


def fresh(user) -> User:
    return User.objects.get(pk=user.pk)


def test_staff_see_every_moderator_and_their_scope(client, staff, category):
    billing = build_category(name="Billing")
    build_moderator(username="global_greta")
    scoped = build_moderator(username="scoped_sam", category=category)
    ModeratorRole.objects.create(user=scoped, category=billing)
    client.force_login(staff)

    response = client.get(URL)

    assert response.status_code == 200
    page = Page.parse(response)
    assert "@global_greta" in page.text and "Everywhere" in page.text
    assert "@scoped_sam" in page.text and "Getting started" in page.text and "Billing" in page.text
    assert len(page.attrs("input", name="action", value="revoke")) == 3
    assert page.attrs("label", **{"for": "id_username"}) and page.attrs("label", **{"for": "id_category"})


def test_grant_a_category(client, staff, member, category):
    client.force_login(staff)

    response = client.post(URL, {"action": "grant", "username": "@Maria", "category": category.pk})

    assert response.status_code == 302
    role = ModeratorRole.objects.get(user=member)
    assert (role.category, role.granted_by) == (category, staff)
    assert fresh(member).moderated_categories == [category.pk]
    assert community_permissions.is_moderator(fresh(member), category)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_id, entry.after) == (
        AuditEntry.Action.ROLE_GRANTED,
        staff,
        member.pk,
        {"category": "Getting started"},
    )


def test_grant_everywhere(client, staff, member):
    client.force_login(staff)

    client.post(URL, {"action": "grant", "username": "maria", "category": ""})

    assert fresh(member).moderates_everywhere
    assert AuditEntry.objects.get().after == {"category": "everywhere"}


def test_revoke(client, staff, category):
    scoped = build_moderator(category=category)
    role = ModeratorRole.objects.get(user=scoped)
    client.force_login(staff)

    response = client.post(URL, {"action": "revoke", "role": role.pk})

    assert response.status_code == 302
    assert not ModeratorRole.objects.filter(user=scoped).exists()
    assert fresh(scoped).moderated_categories == []
    assert not community_permissions.is_moderator(fresh(scoped), category)
    assert AuditEntry.objects.get().action == AuditEntry.Action.ROLE_REVOKED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "nobody_here"}, "No member is called @nobody_here."),
        ({"username": ""}, "This field is required."),
    ],
)
def test_grant_errors_are_shown_on_the_field(client, staff, data, message):
    client.force_login(staff)

    response = client.post(URL, {"action": "grant", **data})

    assert response.status_code == 400
    page = Page.parse(response)
    assert message in page.text
    assert page.attrs("input", name="username")[0]["aria-invalid"] == "true"
    assert not ModeratorRole.objects.exists() and not AuditEntry.objects.exists()


def test_granting_twice_says_so(client, staff, category):
    scoped = build_moderator(username="sam", category=category)
    client.force_login(staff)

    response = client.post(URL, {"action": "grant", "username": "sam", "category": category.pk})

    assert response.status_code == 400
    assert "@sam already moderates Getting started." in Page.parse(response).text
    assert ModeratorRole.objects.filter(user=scoped).count() == 1


def test_a_banned_member_cannot_be_appointed(client, staff):
    banned = build_member(username="gone")
    User.objects.filter(pk=banned.pk).update(is_active=False)
    client.force_login(staff)

    response = client.post(URL, {"action": "grant", "username": "gone"})

    assert response.status_code == 400
    assert "@gone is banned" in Page.parse(response).text


def test_revoking_an_unknown_role_is_not_found(client, staff):
    client.force_login(staff)
    assert client.post(URL, {"action": "revoke", "role": "12345"}).status_code == 404
    assert client.post(URL, {"action": "revoke", "role": "x"}).status_code == 404


@pytest.mark.parametrize("who", ["member", "moderator"])
def test_only_staff_manage_moderators(client, who, member, moderator, category):
    client.force_login({"member": member, "moderator": moderator}[who])
    scoped = build_moderator(category=category)
    role = ModeratorRole.objects.get(user=scoped)

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"action": "grant", "username": "maria"}).status_code == 403
    assert client.post(URL, {"action": "revoke", "role": role.pk}).status_code == 403
    assert ModeratorRole.objects.filter(user=scoped).exists()
    assert not ModeratorRole.objects.filter(user=member).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.post(URL, {"action": "grant", "username": "maria"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not ModeratorRole.objects.exists()


def test_hostile_display_names_come_out_as_text(client, staff):
    build_moderator(username="sneaky", display_name='<img src=x onerror="alert(1)">Sneaky')
    client.force_login(staff)

    page = Page.parse(client.get(URL))

    assert not page.attrs("img", src="x")
    assert not [a for _, a in page.elements if any(name.startswith("on") for name in a)]
    assert '<img src=x onerror="alert(1)">Sneaky' in page.text
