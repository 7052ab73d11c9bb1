import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from accounts.models import User
from community.services import posts as post_services
from faq.models import Article, Section
from tests.browser.test_community_flow import sign_in, submit, wait
from tests.builders import build_category, build_member, build_reply, build_thread
from tests.faq.builders import build_editor

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_promote_an_accepted_answer_edit_and_publish_it(page, screenshot_dir):
    # Given a question with an accepted answer, and a staff member in the FAQ editors group
    category = build_category(name="Getting started")
    Section.objects.create(name="Pairing and setup", slug="pairing", description="Getting lights onto the hub.")
    asker = build_member(username="maria", display_name="Maria Lopez")
    helper = build_member(username="sam", display_name="Sam Okafor")
    editor = build_editor(username="tess", display_name="Tess Nakamura")
    thread = build_thread(asker, category=category, title="How do I pair a bulb with the hub?")
    answer = build_reply(helper, thread.opening_post, body="Hold the bulb's button for **five seconds**.")
    post_services.accept_answer(asker, post=answer)
    reputation = User.objects.get(pk=helper.pk).reputation

    # When the editor promotes the answer from the thread page
    sign_in(page, editor)
    page.get(page.url(thread.get_absolute_url()))
    promote = wait(page).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, f"#post-{answer.pk} .post-tools a[href*='/faq/promote/']"))
    )
    promote.click()
    question = wait(page).until(ec.presence_of_element_located((By.ID, "id_question")))
    assert question.get_attribute("value") == thread.title
    assert "five seconds" in page.find_element(By.ID, "id_body").get_attribute("value")
    page.find_element(By.ID, "id_summary").send_keys("Hold the button until the light blinks.")
    page.execute_script("window.scrollTo(0, 0)")
    page.save_screenshot(str(screenshot_dir / "faq-promote.png"))
    submit(page.find_element(By.CSS_SELECTOR, "form.faq-editor"))

    # Then edits the draft and publishes it (the promote form has a body field too: wait for the editor's note)
    wait(page).until(ec.presence_of_element_located((By.ID, "id_note")))
    body = page.find_element(By.ID, "id_body")
    article = Article.objects.get()
    body.clear()
    body.send_keys("Hold the bulb's button for **five seconds**, until it blinks twice.")
    page.find_element(By.ID, "id_note").send_keys("Say what the blink means")
    page.execute_script("window.scrollTo(0, 0)")
    page.save_screenshot(str(screenshot_dir / "faq-editor.png"))
    submit(page.find_element(By.CSS_SELECTOR, "form.faq-editor"))
    wait(page).until(lambda d: Article.objects.get(pk=article.pk).revision_count == 2)
    page.find_element(By.XPATH, "//button[normalize-space()='Publish']").click()
    wait(page).until(lambda d: Article.objects.get(pk=article.pk).status == "published")
    article.refresh_from_db()

    # The thread now says its answer is in the FAQ, for a visitor too
    page.delete_all_cookies()
    page.get(page.url(thread.get_absolute_url()))
    banner = page.find_element(By.CSS_SELECTOR, ".faq-banner a")
    assert banner.get_attribute("href").endswith(article.get_absolute_url())
    page.save_screenshot(str(screenshot_dir / "faq-banner.png"))

    # The article credits the answer's author and links to the post
    banner.click()
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".faq-credits")))
    assert page.find_element(By.TAG_NAME, "h1").text == thread.title
    credit = page.find_element(By.CSS_SELECTOR, ".faq-credits")
    assert "Sam Okafor" in credit.text
    assert credit.find_element(By.LINK_TEXT, "their post").get_attribute("href").endswith(f"#post-{answer.pk}")
    assert "blinks twice" in page.find_element(By.CSS_SELECTOR, ".faq-answer").text
    page.save_screenshot(str(screenshot_dir / "faq-article.png"))

    # The author's profile shows the 25 points
    page.get(page.url(helper.get_absolute_url()))
    stat = page.find_element(By.CSS_SELECTOR, ".profile-stat-reputation dd")
    assert int(stat.text) == reputation + 25

    page.get(page.url("/faq/"))
    assert article.question in page.find_element(By.CSS_SELECTOR, "main").text
    page.save_screenshot(str(screenshot_dir / "faq-home.png"))

    # The article asks its readers whether it helped, loaded in place
    page.get(page.url(article.get_absolute_url()))
    wait(page).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#helpful form")))

    # And a member who starts the same question is shown the article first, above the thread it came from
    sign_in(page, build_member(username="lena", display_name="Lena Fischer"))
    page.get(page.url("/new/"))
    page.find_element(By.CSS_SELECTOR, "label[for='id_kind_0']").click()
    page.find_element(By.ID, "id_title").send_keys("How can I pair a bulb with my hub")
    suggested = wait(page).until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#similar-threads .faq-ask")))
    similar = wait(page).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, "#similar-threads .similar:not(.faq-ask)"))
    )
    assert article.question in suggested.text
    assert suggested.location["y"] < similar.location["y"]
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", suggested)
    page.save_screenshot(str(screenshot_dir / "faq-deflection.png"))
