import pytest
from django.conf import settings
from django.test import Client
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from community.models import HelpfulVote, Post, Thread
from tests.builders import build_category, build_member

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, user):
    """Sign in by handing the browser a real session made for `user`."""
    client = Client()
    client.force_login(user)
    page.get(page.url("/healthz"))
    page.delete_all_cookies()
    page.add_cookie(
        {"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value}
    )


def wait(page, seconds=10):
    # htmx swaps and page loads replace elements under our feet (Chrome may even report the node
    # as gone from the document): look them up again until the condition holds or time runs out.
    return WebDriverWait(page, seconds, ignored_exceptions=[WebDriverException])


def submit(form):
    form.find_element(By.CSS_SELECTOR, "[type=submit]").click()


def test_ask_answer_reply_accept_vote_and_search(page, screenshot_dir):
    # Given a category, an asker, an answerer and a reader
    build_category(name="Getting started")
    asker = build_member(username="maria", display_name="Maria Lopez")
    helper = build_member(username="sam", display_name="Sam Okafor")
    reader = build_member(username="lena", display_name="Lena Fischer")

    # The asker asks a question; similar threads are looked up as they type
    sign_in(page, asker)
    page.get(page.url("/new/"))
    page.find_element(By.CSS_SELECTOR, "label[for='id_kind_0']").click()
    Select(page.find_element(By.ID, "id_category")).select_by_visible_text("Getting started")
    page.find_element(By.ID, "id_title").send_keys("Bulbs vanish from the app after pairing")
    page.find_element(By.ID, "id_body").send_keys("They show up for a second, then **vanish**.")
    submit(page.find_element(By.CSS_SELECTOR, "form.compose-form"))
    # The ask page has a heading of its own: wait for the thread's.
    wait(page).until(ec.text_to_be_present_in_element((By.TAG_NAME, "h1"), "Bulbs vanish from the app after pairing"))
    thread = Thread.objects.get()
    assert page.find_element(By.TAG_NAME, "h1").text == "Bulbs vanish from the app after pairing"
    assert "<strong>vanish</strong>" in page.find_element(By.CSS_SELECTOR, ".post-body").get_attribute("innerHTML")

    # Someone answers it
    sign_in(page, helper)
    page.get(page.url(thread.get_absolute_url()))
    page.find_element(By.ID, "id_body").send_keys("Power-cycle each bulb five times, then pair again.")
    submit(page.find_element(By.CSS_SELECTOR, f"form[action='/posts/{thread.opening_post_id}/reply/']"))
    answer = wait(page).until(lambda d: Post.objects.filter(thread=thread, level=1).first())
    wait(page).until(ec.presence_of_element_located((By.ID, f"post-{answer.pk}")))

    # The asker replies under the answer, then accepts it
    sign_in(page, asker)
    page.get(page.url(thread.get_absolute_url()))
    article = page.find_element(By.ID, f"post-{answer.pk}")
    article.find_element(By.CSS_SELECTOR, "a[data-reply]").click()
    article.find_element(By.ID, f"reply-body-{answer.pk}").send_keys("That worked, thank you @sam!")
    submit(article.find_element(By.CSS_SELECTOR, "form.reply-form"))
    nested = wait(page).until(lambda d: Post.objects.filter(parent=answer).first())
    nested_article = wait(page).until(ec.presence_of_element_located((By.ID, f"post-{nested.pk}")))
    assert "depth-2" in nested_article.get_attribute("class")
    assert nested_article.find_element(By.CSS_SELECTOR, "a.mention").text == "@sam"
    page.find_element(By.ID, f"post-{answer.pk}").find_element(
        By.XPATH, ".//button[normalize-space()='Accept answer']"
    ).click()
    wait(page).until(lambda d: Thread.objects.get(pk=thread.pk).accepted_answer_id == answer.pk)
    badge = wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#post-{answer.pk} .badge-answered")))
    assert badge.text.lower() == "accepted answer"
    page.save_screenshot(str(screenshot_dir / "thread.png"))

    # A reader marks the answer helpful, in place
    sign_in(page, reader)
    page.get(page.url(thread.get_absolute_url()))
    button = page.find_element(By.CSS_SELECTOR, f"#post-{answer.pk} .helpful-button")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    wait(page).until(
        lambda d: (
            d.find_element(By.CSS_SELECTOR, f"#post-{answer.pk} .helpful-button").get_attribute("aria-pressed")
            == "true"
        )
    )
    assert HelpfulVote.objects.filter(voter=reader, post=answer).exists()
    assert "1" in page.find_element(By.CSS_SELECTOR, f"#post-{answer.pk} .helpful-button .action-count").text

    # And anyone finds the thread by searching
    search = page.find_element(By.ID, "site-search")
    search.send_keys("vanish pairing\n")
    result = wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".search-result-title a")))
    assert result.text == "Bulbs vanish from the app after pairing"
