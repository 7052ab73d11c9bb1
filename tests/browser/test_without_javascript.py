"""Every action on a post works for a reader who turned JavaScript off.

The thread page is shared by all readers, so its tools come from a script; without it, each
post's "Actions" link leads to a page of plain forms.
"""

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from community.models import HelpfulVote, Post, Thread
from moderation.models import Flag
from tests.browser.test_community_flow import sign_in, submit, wait
from tests.builders import build_category, build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db(transaction=True)


def open_actions(page, thread, post):
    """From the thread page, follow the post's "Actions" link."""
    page.get(page.url(thread.get_absolute_url()))
    page.find_element(By.CSS_SELECTOR, f"#post-{post.pk} a.post-more").click()
    wait(page).until(ec.url_contains(f"/posts/{post.pk}/actions/"))


def press(page, label):
    page.find_element(By.XPATH, f"//main//button[normalize-space()='{label}']").click()


def shown_message(page):
    return wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".messages .message"))).text


def test_member_votes_replies_flags_edits_and_accepts_without_javascript(page_without_scripts, screenshot_dir):
    page = page_without_scripts
    # Given a question, an answer to it, and a reader
    category = build_category(name="Getting started")
    asker = build_member(username="maria", display_name="Maria Lopez")
    helper = build_member(username="sam", display_name="Sam Okafor")
    reader = build_member(username="lena", display_name="Lena Fischer")
    thread = build_thread(asker, category=category, title="Bulbs vanish after pairing", body="They vanish.")
    answer = build_reply(helper, thread.opening_post, body="Power-cycle each bulb five times.")

    # The reader sees no script-built tools, an "Actions" link on each post, and absolute times
    sign_in(page, reader)
    page.get(page.url(thread.get_absolute_url()))
    assert not page.find_elements(By.CSS_SELECTOR, "form.helpful-form")
    link = page.find_element(By.CSS_SELECTOR, f"#post-{answer.pk} a.post-more")
    assert "Actions" in link.text
    assert "Sam Okafor" in link.accessible_name
    assert page.find_elements(By.CSS_SELECTOR, f"#post-{thread.opening_post_id} a.post-more")
    written = date_format(timezone.localtime(answer.created_at), "j M Y, H:i")
    assert page.find_element(By.CSS_SELECTOR, f"#post-{answer.pk} time").text == written

    # They mark the answer helpful from its actions page
    open_actions(page, thread, answer)
    page.save_screenshot(str(screenshot_dir / "post-actions-without-javascript.png"))
    press(page, "Mark as helpful")
    assert shown_message(page) == "Marked as helpful."
    assert HelpfulVote.objects.filter(voter=reader, post=answer).exists()
    count = page.find_element(By.CSS_SELECTOR, f"#post-{answer.pk} .action-count")
    assert count.get_attribute("textContent") == "(1)"

    # They reply to the answer
    open_actions(page, thread, answer)
    page.find_element(By.ID, "id_body").send_keys("That worked for me too.")
    press(page, "Post reply")
    assert shown_message(page) == "Your reply is posted."
    nested = Post.objects.get(parent=answer)
    assert nested.author == reader
    assert "That worked for me too." in page.find_element(By.ID, f"post-{nested.pk}").text

    # They flag the answer for a moderator
    open_actions(page, thread, answer)
    page.find_element(By.LINK_TEXT, "Flag for a moderator…").click()
    spam = wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, "input[name='reason'][value='spam']")))
    page.find_element(By.CSS_SELECTOR, f"label[for='{spam.get_attribute('id')}']").click()
    submit(page.find_element(By.CSS_SELECTOR, "form.flag-form"))
    assert shown_message(page).startswith("Thanks for flagging this.")
    assert Flag.objects.filter(post=answer, flagger=reader, reason=Flag.Reason.SPAM).exists()

    # They edit their own reply
    open_actions(page, thread, nested)
    page.find_element(By.LINK_TEXT, "Edit your reply…").click()
    body = wait(page).until(ec.presence_of_element_located((By.ID, "id_body")))
    body.clear()
    body.send_keys("That worked for me too, after two tries.")
    press(page, "Save changes")
    assert shown_message(page) == "Your changes are saved."
    nested.refresh_from_db()
    assert nested.body == "That worked for me too, after two tries."
    assert "after two tries" in page.find_element(By.ID, f"post-{nested.pk}").text

    # The asker accepts the answer
    sign_in(page, asker)
    open_actions(page, thread, answer)
    press(page, "Accept this answer")
    assert shown_message(page) == "Answer accepted."
    assert Thread.objects.get(pk=thread.pk).accepted_answer_id == answer.pk
    badge = page.find_element(By.CSS_SELECTOR, f"#post-{answer.pk} .badge-answered")
    assert badge.text.lower() == "accepted answer"


def test_with_javascript_the_tools_replace_the_link_and_times_read_relative(page):
    # Given a thread with an answer
    category = build_category(name="Getting started")
    thread = build_thread(build_member(username="maria"), category=category, title="Bulbs vanish after pairing")
    answer = build_reply(build_member(username="sam"), thread.opening_post, body="Power-cycle each bulb.")
    written = date_format(timezone.localtime(answer.created_at), "j M Y, H:i")

    # A visitor keeps the link, which asks them to sign in; the time reads relative, the date in its title
    page.get(page.url(thread.get_absolute_url()))
    assert page.find_elements(By.CSS_SELECTOR, f"#post-{answer.pk} a.post-more")
    time = page.find_element(By.CSS_SELECTOR, f"#post-{answer.pk} time")
    wait(page).until(lambda d: time.text != written)
    assert time.text in ("just now", "now") or "ago" in time.text
    assert time.get_attribute("title") == written

    # A member gets the tools in place, and no link
    sign_in(page, build_member(username="lena"))
    page.get(page.url(thread.get_absolute_url()))
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#post-{answer.pk} form.helpful-form")))
    assert page.find_elements(By.CSS_SELECTOR, f"#post-{answer.pk} .post-tools a[href$='/flag/']")
    assert not page.find_elements(By.CSS_SELECTOR, f"#post-{answer.pk} a.post-more")
