import io
from contextlib import redirect_stdout

import pytest
from django.core.management import call_command
from django.urls import reverse
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from accounts.models import User
from community.models import Post, Thread
from community.services import votes
from tests.browser.test_community_flow import sign_in, submit, wait
from tests.builders import build_category, build_member, build_reply, build_thread

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_PAGES = {
    "profile": "/u/sam/",
    "leaderboard": "/leaderboard/",
    "leaderboard-month": "/leaderboard/?period=month",
    "leaderboard-all": "/leaderboard/?period=all",
    "badges": "/badges/",
    "badge": "/badges/thank-you/",
    "team": "/team/",
}


def badge_names(page) -> list[str]:
    return [chip.text for chip in page.find_elements(By.CSS_SELECTOR, ".profile-card .badge-chips .badge-chip")]


def test_an_accepted_answer_shows_on_the_answerers_profile_and_beside_their_next_post(page, screenshot_dir):
    # Given a question and an answer that one helpful vote made worth 10 points: a Newcomer still
    category = build_category(name="Getting started")
    asker = build_member(username="maria", display_name="Maria Lopez")
    helper = build_member(username="sam", display_name="Sam Okafor")
    reader = build_member(username="lena", display_name="Lena Fischer")
    thread = build_thread(asker, category=category, title="Bulbs vanish from the app after pairing")
    answer = build_reply(helper, thread.opening_post, body="Power-cycle each bulb five times, then pair again.")
    votes.mark_helpful(reader, post=answer)
    profile = reverse("recognition:profile", kwargs={"username": "sam"})
    page.get(page.url(profile))
    assert page.find_element(By.CSS_SELECTOR, ".profile-stat-reputation dd").text == "10"
    assert "Problem solver" not in badge_names(page)

    # When the asker accepts the answer in the browser
    sign_in(page, asker)
    page.get(page.url(thread.get_absolute_url()))
    page.find_element(By.ID, f"post-{answer.pk}").find_element(
        By.XPATH, ".//button[normalize-space()='Accept answer']"
    ).click()
    wait(page).until(ec.presence_of_element_located((By.CSS_SELECTOR, f"#post-{answer.pk} .badge-answered")))
    assert Thread.objects.get(pk=thread.pk).accepted_answer_id == answer.pk

    # Then the answerer's profile shows the 15 points and the badge the accept earned
    page.get(page.url(profile))
    assert page.find_element(By.CSS_SELECTOR, ".profile-stat-reputation dd").text == "25"
    assert "Problem solver" in badge_names(page)
    assert User.objects.get(pk=helper.pk).reputation == 25

    # And the rank those points reached stands beside the answerer's next post
    sign_in(page, helper)
    page.get(page.url(thread.get_absolute_url()))
    page.find_element(By.ID, "id_body").send_keys("Glad it worked! Keep the app open while the firmware updates.")
    submit(page.find_element(By.CSS_SELECTOR, f"form[action='/posts/{thread.opening_post_id}/reply/']"))
    follow_up = wait(page).until(
        lambda d: Post.objects.filter(thread=thread, author=helper).exclude(pk=answer.pk).first()
    )
    article = wait(page).until(ec.presence_of_element_located((By.ID, f"post-{follow_up.pk}")))
    assert article.find_element(By.CSS_SELECTOR, ".author-rank").text == "Contributor"
    page.save_screenshot(str(screenshot_dir / "recognition-rank-after-accept.png"))


def emulate(page, width, height):
    page.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )


@pytest.mark.parametrize("width", [1280, 390])
def test_recognition_pages_with_the_demo_data(page, screenshot_dir, width):
    with redirect_stdout(io.StringIO()):
        call_command("seed_demo")
    try:
        for name, path in DEMO_PAGES.items():
            emulate(page, width, 900)
            page.get(page.url(path))
            assert page.find_element(By.TAG_NAME, "h1").text
            # Nothing scrolls sideways, even on a phone.
            assert page.execute_script("return document.documentElement.scrollWidth") <= width
            emulate(page, width, min(page.execute_script("return document.documentElement.scrollHeight"), 3000))
            page.save_screenshot(str(screenshot_dir / f"recognition-{name}-{width}.png"))

        page.get(page.url("/u/sam/"))
        assert page.find_element(By.CSS_SELECTOR, ".reputation-chart svg")
        page.get(page.url("/team/"))
        photos = page.find_elements(By.CSS_SELECTOR, ".team-card img.avatar")
        assert len(photos) == 3
        for photo in photos:
            assert page.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", photo)
    finally:
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
