import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from community.models import Post, Review
from moderation.models import AuditEntry, Flag
from tests.browser.test_community_flow import sign_in, submit, wait
from tests.builders import build_category, build_member, build_moderator, build_reply, build_thread

pytestmark = pytest.mark.django_db(transaction=True)


def flag_as_spam(page, thread, post):
    page.get(page.url(thread.get_absolute_url()))
    # The Flag tool is built by static/js/viewer.js on other members' posts.
    wait(page).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, f"#post-{post.pk} a[href='/posts/{post.pk}/flag/']"))
    )
    page.find_element(By.CSS_SELECTOR, f"#post-{post.pk} a[href='/posts/{post.pk}/flag/']").click()
    wait(page).until(ec.url_contains(f"/posts/{post.pk}/flag/"))
    spam = wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, "input[name='reason'][value='spam']")))
    page.find_element(By.CSS_SELECTOR, f"label[for='{spam.get_attribute('id')}']").click()
    submit(page.find_element(By.CSS_SELECTOR, "form.flag-form"))


def test_trusted_flags_hide_a_post_and_a_moderator_restores_it(page, screenshot_dir):
    # Given a thread with a reply that two trusted members think is spam
    category = build_category(name="Getting started")
    thread = build_thread(build_member(username="maria"), category=category, title="Which bulbs work outdoors?")
    reply = build_reply(build_member(username="pat"), thread.opening_post, body="Cheap outdoor bulbs at my shop!")
    sam, lena = build_member(username="sam", trust_level=3), build_member(username="lena", trust_level=3)
    mona = build_moderator(username="mona", display_name="Mona Berg")
    tess = build_member(username="tess", is_staff_member=True)

    # When both flag it from the thread page, their weight hides it at once
    sign_in(page, sam)
    flag_as_spam(page, thread, reply)
    wait(page).until(lambda _: Flag.objects.filter(flagger=sam).exists())
    assert Post.objects.get(pk=reply.pk).review == Review.PUBLISHED
    sign_in(page, lena)
    flag_as_spam(page, thread, reply)
    wait(page).until(lambda _: Post.objects.get(pk=reply.pk).review == Review.HIDDEN)

    # Then readers see only a placeholder where it was
    sign_in(page, build_member(username="reader"))
    page.get(page.url(thread.get_absolute_url()))
    body = page.find_element(By.CSS_SELECTOR, f"#post-{reply.pk}").text
    assert "hidden while a moderator reviews it" in body
    # The thread itself can be flagged, and voted helpful, from its opening post's tools
    opening = f"#post-{thread.opening_post_id}"
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, f"{opening} form.helpful-form button")))
    assert page.find_element(By.CSS_SELECTOR, f"{opening} .post-tools a[href$='/flag/']").text.startswith("Flag")
    assert "Cheap outdoor bulbs" not in page.find_element(By.TAG_NAME, "main").text

    # The moderator finds it in the queue, with both flags, and restores it in one click
    sign_in(page, mona)
    page.get(page.url("/mod/"))
    assert "Cheap outdoor bulbs" in page.find_element(By.CSS_SELECTOR, ".queue-post").text
    flaggers = [link.text for link in page.find_elements(By.CSS_SELECTOR, ".queue-flag-head .user-link")]
    assert sorted(flaggers) == ["lena", "sam"]
    page.save_screenshot(str(screenshot_dir / "moderation-queue.png"))
    page.find_element(By.CSS_SELECTOR, "button[name='action'][value='dismiss']").click()
    wait(page).until(lambda _: Post.objects.get(pk=reply.pk).review == Review.PUBLISHED)
    page.get(page.url(thread.get_absolute_url()))
    assert "Cheap outdoor bulbs" in page.find_element(By.CSS_SELECTOR, f"#post-{reply.pk}").text

    # And staff see both steps in the audit log
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        AuditEntry.Action.POST_AUTO_HIDDEN,
        AuditEntry.Action.FLAGS_DISMISSED,
    ]
    sign_in(page, tess)
    page.get(page.url("/mod/audit/"))
    log = page.find_element(By.TAG_NAME, "main").text
    assert "Post hidden by members' flags" in log
    assert "Dismissed flags" in log
    assert "Mona Berg" in log or "@mona" in log
    page.save_screenshot(str(screenshot_dir / "moderation-audit-log.png"))
