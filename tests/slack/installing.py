"""Installing the app as a workspace admin's browser does (issue 16): open the app's /slack/install, keep the
state cookie it sets, follow it to Slack's consent page (the emulator's, where someone is signed in and
approves or cancels at once), and follow Slack's redirect back to /slack/oauth_redirect with the cookie.

    page = install_workspace(app_url, emulator, "T0ALPHA01", "UALPHA001")
    assert page.status_code == 200 and "installed in Alpha" in page.text
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import httpx

from bot.slack.oauth import INSTALL_PATH, REDIRECT_PATH
from emulator.web_api import SlackEmulator

STATE_COOKIE = "slack-app-oauth-state"  # Bolt's default cookie name


def install_workspace(
    app_url: str,
    emulator: SlackEmulator,
    team_id: str,
    user_id: str,
    *,
    org_wide: bool = False,
    approve: bool = True,
) -> httpx.Response:
    """`user_id` of `team_id` installs the app served at `app_url` (for their whole Grid organisation with
    `org_wide`; cancelling on Slack's page unless `approve`): the page the browser ends on."""
    with httpx.Client(timeout=10) as browser:
        location, state = consented(browser, app_url, emulator, team_id, user_id, org_wide, approve)
        return back_at_the_app(browser, location, state)


def consented(
    browser: httpx.Client,
    app_url: str,
    emulator: SlackEmulator,
    team_id: str,
    user_id: str,
    org_wide: bool = False,
    approve: bool = True,
) -> tuple[str, str]:
    """The browser's way up to Slack's answer: where Slack sends it back (the app's redirect URL with a
    code or an error, and the state) and the state cookie /slack/install set."""
    emulator.redirect_urls = [app_url + REDIRECT_PATH]  # the app's Redirect URL, as the manifest sets it
    emulator.sign_in(user_id, team_id, org_wide=org_wide, approve=approve)
    started = browser.get(app_url + INSTALL_PATH)
    assert started.status_code == 302, started.text
    consent = browser.get(started.headers["location"])
    assert consent.status_code == 302, f"Slack's page did not send the browser back: {consent.text}"
    return consent.headers["location"], state_cookie(started)


def state_cookie(response: httpx.Response) -> str:
    """The OAuth state cookie /slack/install set. It is `Secure`, so an HTTP client keeps it only by hand:
    a browser would send it back over HTTPS."""
    cookie: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        cookie.load(header)
    return cookie[STATE_COOKIE].value


def back_at_the_app(browser: httpx.Client, location: str, state: str) -> httpx.Response:
    """Slack's redirect to the app's /slack/oauth_redirect, followed with the state cookie."""
    assert urlsplit(location).path == REDIRECT_PATH, location
    return browser.get(location, headers={"Cookie": f"{STATE_COOKIE}={state}"})
