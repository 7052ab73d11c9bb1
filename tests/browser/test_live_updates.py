"""A thread page left open hears of new replies and of the member's notifications, without a reload."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from community.models import Post
from notifications.models import Notification
from tests.browser.conftest import chromium
from tests.browser.test_community_flow import sign_in, submit, wait
from tests.builders import build_category, build_member, build_thread

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reply_from_another_member_appears_live_and_the_bell_rises(page):
    # Given an asker with their question open, and a helper in a browser of their own
    category = build_category(name="Getting started")
    asker = build_member(username="maria", display_name="Maria Lopez")
    helper = build_member(username="sam", display_name="Sam Okafor")
    thread = build_thread(asker, category=category, title="Bulbs vanish from the app after pairing")
    sign_in(page, asker)
    page.get(page.url(thread.get_absolute_url()))
    assert page.find_elements(By.CSS_SELECTOR, ".bell .bell-count") == []
    wait(page).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-live") == "connected")
    page.execute_script("window.sameDocument = true;")

    other = chromium()
    try:
        other.url = page.url
        sign_in(other, helper)
        other.get(other.url(thread.get_absolute_url()))
        # When the helper answers
        other.find_element(By.ID, "id_body").send_keys("Power-cycle each bulb **five** times.")
        submit(other.find_element(By.CSS_SELECTOR, f"form[action='/posts/{thread.opening_post_id}/reply/']"))
        answer = wait(other).until(lambda d: Post.objects.filter(thread=thread, level=1).first())
    finally:
        other.quit()

    # Then the answer appears on the asker's open page, with their own tools, and their bell counts it
    article = wait(page).until(ec.presence_of_element_located((By.ID, f"post-{answer.pk}")))
    assert "<strong>five</strong>" in article.find_element(By.CSS_SELECTOR, ".post-body").get_attribute("innerHTML")
    assert article.find_element(By.CSS_SELECTOR, "a[data-reply]")
    unread = Notification.objects.filter(recipient=asker, read_at=None)
    assert unread.filter(post=answer).exists()
    wait(page).until(lambda d: d.find_element(By.CSS_SELECTOR, ".bell .bell-count").text == str(unread.count()))
    label = page.find_element(By.CSS_SELECTOR, ".bell .visually-hidden").get_attribute("textContent")
    assert label == f"Notifications, {unread.count()} unread"
    assert page.execute_script("return window.sameDocument === true;")
    assert page.find_elements(By.CSS_SELECTOR, ".empty-replies") == []
