import re

import pytest
from django.core import mail
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from accounts.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "violet-harbour-lantern"


def fill(page, field_id, value):
    element = page.find_element(By.ID, field_id)
    element.clear()
    element.send_keys(value)


def submit(page, form_selector):
    page.find_element(By.CSS_SELECTOR, f"{form_selector} [type=submit]").click()


def wait_for_path(page, path):
    WebDriverWait(page, 10).until(lambda d: d.current_url.split("?")[0].endswith(path))


def test_sign_up_confirm_email_log_in_and_see_user_menu(page, screenshot_dir, settings):
    # Given a visitor on the home page
    page.get(page.url("/"))
    assert page.find_element(By.TAG_NAME, "h1").text == "How can we help?"
    page.save_screenshot(str(screenshot_dir / "home.png"))

    # When they sign up
    page.find_element(By.LINK_TEXT, "Join the community").click()
    wait_for_path(page, "/accounts/signup/")
    page.save_screenshot(str(screenshot_dir / "signup.png"))
    fill(page, "id_email", "newcomer@example.com")
    fill(page, "id_username", "newcomer")
    fill(page, "id_password1", PASSWORD)
    fill(page, "id_password2", PASSWORD)
    submit(page, "form[action='/accounts/signup/']")
    wait_for_path(page, "/accounts/confirm-email/")
    assert User.objects.filter(username="newcomer", is_active=True).exists()

    # Then the verification mail holds a link that confirms the address
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.get(link)
    submit(page, "main form")
    WebDriverWait(page, 10).until(ec.presence_of_element_located((By.ID, "user-menu")))

    # And after signing out and in again, the user menu greets them
    page.find_element(By.CSS_SELECTOR, "#user-menu summary").click()
    page.find_element(By.XPATH, "//button[normalize-space()='Sign out']").click()
    WebDriverWait(page, 10).until(ec.presence_of_element_located((By.LINK_TEXT, "Sign in")))
    page.find_element(By.LINK_TEXT, "Sign in").click()
    fill(page, "id_login", "newcomer@example.com")
    fill(page, "id_password", PASSWORD)
    submit(page, "form[action='/accounts/login/']")
    menu = WebDriverWait(page, 10).until(ec.presence_of_element_located((By.ID, "user-menu")))
    assert "newcomer" in menu.find_element(By.TAG_NAME, "summary").text
    menu.find_element(By.TAG_NAME, "summary").click()
    assert menu.find_element(By.LINK_TEXT, "Your profile").is_displayed()


def test_signup_errors_are_shown_beside_the_fields(page, screenshot_dir, member):
    page.get(page.url("/accounts/signup/"))
    fill(page, "id_email", "maria@example.com")
    fill(page, "id_username", "maria")
    fill(page, "id_password1", "password")
    fill(page, "id_password2", "password")
    submit(page, "form[action='/accounts/signup/']")

    # The page reloads with the errors: its old nodes may vanish while we read them.
    WebDriverWait(page, 10, ignored_exceptions=[WebDriverException]).until(
        lambda d: "already registered" in d.find_element(By.TAG_NAME, "main").text
    )
    assert "too common" in page.find_element(By.TAG_NAME, "main").text
    page.save_screenshot(str(screenshot_dir / "signup-errors.png"))


def test_keyboard_user_can_skip_to_content(page):
    page.get(page.url("/"))

    page.find_element(By.TAG_NAME, "body").send_keys("\t")
    skip = page.switch_to.active_element
    assert skip.get_attribute("class") == "skip-link"
    assert skip.is_displayed()
