"""A member sees what is new to them: "N new" on the list, and the thread opens at the first unread reply."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from tests.browser.test_community_flow import sign_in, wait
from tests.builders import build_category, build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db(transaction=True)


def test_new_replies_are_counted_on_the_list_and_the_thread_opens_at_the_first(page):
    # Given a member who read a long thread and left it, and replies written since
    category = build_category(name="Getting started")
    reader = build_member(username="maria", display_name="Maria Lopez")
    helper = build_member(username="sam", display_name="Sam Okafor")
    thread = build_thread(reader, category=category, title="Bulbs vanish from the app after pairing")
    for i in range(12):
        build_reply(helper, thread.opening_post, body=f"An earlier idea, number {i}.\n\n" + "More detail. " * 40)
    sign_in(page, reader)
    page.get(page.url(thread.get_absolute_url()))
    page.get(page.url("/"))  # an open thread page would read new replies as they arrive
    assert page.find_elements(By.CSS_SELECTOR, ".unread-badge") == []
    first = build_reply(helper, thread.opening_post, body="Power-cycle each bulb five times.")
    build_reply(helper, first, body="And then pair them one by one.")

    # When they look at the list again
    page.get(page.url("/"))
    badge = wait(page).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f'li[data-thread="{thread.pk}"] .unread-badge'))
    )

    # Then it counts the two new replies and leads to the first, marked under a divider, scrolled to
    assert badge.get_attribute("textContent") == "2 new replies"
    badge.click()
    divider = wait(page).until(ec.visibility_of_element_located((By.ID, "first-unread")))
    assert page.execute_script("return window.location.hash;") == f"#post-{first.pk}"
    unread = page.find_elements(By.CSS_SELECTOR, "article.post.is-unread")
    assert len(unread) == 2 and unread[0].get_attribute("id") == f"post-{first.pk}"
    assert divider.text.lower() == "new since you last read"
    assert page.execute_script("return window.scrollY;") > 0
    # And the list, visited afterwards, has nothing new
    page.get(page.url("/"))
    assert page.find_elements(By.CSS_SELECTOR, ".unread-badge") == []
