"""The FAQ's signals in a browser: article suggestions on the ask page, "Was this helpful?" and the candidates."""

import pytest
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from community.services import posts, votes
from faq import candidates
from faq.models import HelpfulVote
from tests.browser.test_accessibility import AXE, RUN_AXE, WCAG_22_AA
from tests.browser.test_community_flow import sign_in, submit, wait
from tests.builders import build_category, build_member, build_reply, build_thread
from tests.faq.builders import build_article, build_editor

pytestmark = pytest.mark.django_db(transaction=True)


def axe_violations(page) -> list:
    page.execute_script(AXE)
    page.set_script_timeout(30)
    return page.execute_async_script(RUN_AXE, WCAG_22_AA)


@pytest.fixture
def community():
    category = build_category(name="Getting started")
    asker = build_member(username="maria", display_name="Maria Lopez")
    helper = build_member(username="sam", display_name="Sam Okafor")
    editor = build_editor(username="tess", display_name="Tess Nakamura")
    thread = build_thread(asker, category=category, title="Cannot pair a bulb with the hub", body="It blinks.")
    answer = build_reply(helper, thread.opening_post, body="Hold the button for five seconds.")
    posts.accept_answer(asker, post=answer)
    votes.mark_helpful(build_member(), post=answer)
    build_thread(helper, category=category, title="Bulbs flicker at low brightness", body="Since 4.2.")
    article = build_article(
        editor, question="How do I pair a bulb with the hub?", body="Hold the button for **five seconds**."
    )
    return {"category": category, "asker": asker, "editor": editor, "thread": thread, "article": article}


def test_articles_are_suggested_first_on_the_ask_page(page, community, screenshot_dir):
    sign_in(page, build_member(username="lena", display_name="Lena Fischer"))
    page.get(page.url("/new/"))
    page.find_element(By.CSS_SELECTOR, "label[for='id_kind_0']").click()
    page.find_element(By.ID, "id_title").send_keys("How to pair my bulb with the hub")

    faq = wait(page).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#similar-threads .faq-ask")))
    threads = wait(page).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "#similar-threads .similar:not(.faq-ask)"))
    )

    assert faq.location["y"] < threads.location["y"]
    assert "How do I pair a bulb with the hub?" in faq.text
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", faq)
    page.save_screenshot(str(screenshot_dir / "faq-ask-suggestions.png"))
    assert axe_violations(page) == []


def test_a_reader_says_whether_an_article_helped(page, community, screenshot_dir):
    article = community["article"]
    sign_in(page, community["asker"])
    page.get(page.url(reverse("faq:helpful", args=[article.pk])))
    page.save_screenshot(str(screenshot_dir / "faq-helpful.png"))
    assert axe_violations(page) == []

    page.find_element(By.CSS_SELECTOR, "label[for='id_helpful_1']").click()
    page.find_element(By.ID, "id_comment").send_keys("It didn't say where the button is.")
    submit(page.find_element(By.CSS_SELECTOR, "#helpful form"))

    thanks = wait(page).until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".helpful-thanks")))
    assert "Thank you" in thanks.text
    assert HelpfulVote.objects.get().comment == "It didn't say where the button is."
    page.save_screenshot(str(screenshot_dir / "faq-helpful-thanks.png"))


def test_the_editor_works_the_candidates(page, community, screenshot_dir):
    candidates.add_counts("views", {community["thread"].pk: 40})
    candidates.add_counts("search_hits", {community["thread"].pk: 3})
    candidates.refresh_candidates()
    sign_in(page, community["editor"])
    page.get(page.url(reverse("faq:candidates")))

    row = page.find_element(By.CSS_SELECTOR, ".signal-table tbody tr")
    assert "Cannot pair a bulb with the hub" in row.text
    page.save_screenshot(str(screenshot_dir / "faq-candidates.png"))
    assert axe_violations(page) == []

    submit(row.find_element(By.CSS_SELECTOR, "form"))
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".empty-state")))
