"""GraphiQL in a real headless Chromium with no route to the internet: it loads from
Snapfeed's own assets, runs a query and shows the answer."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from tests.client import GraphQLClient

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)

QUERY = '{ user(username: "browser_user") { username followerCount } }'


def _run_query_in_graphiql(url: str, profile: Path) -> str:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    assert CHROMIUM is not None and CHROMEDRIVER is not None
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        # No internet: any asset from a CDN would fail to load.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(60)
        driver.get(url)
        wait = WebDriverWait(driver, 60)
        wait.until(
            expected_conditions.presence_of_element_located(
                (By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror")
            )
        )
        driver.execute_script(
            "document.querySelector('.graphiql-query-editor .CodeMirror')"
            ".CodeMirror.setValue(arguments[0]);",
            QUERY,
        )
        driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()
        wait.until(
            lambda d: "browser_user" in d.find_element(By.CSS_SELECTOR, ".graphiql-response").text
        )
        text: str = driver.find_element(By.CSS_SELECTOR, ".graphiql-response").text
        return text
    finally:
        driver.quit()


@pytest.mark.timeout(180)  # a browser start on a busy 2-core machine
async def test_graphiql_runs_a_query_offline(
    gql: GraphQLClient, live_url: str, tmp_path: Path
) -> None:
    await gql.register("browser_user")
    shown = await asyncio.to_thread(
        _run_query_in_graphiql, f"http://{live_url}/graphql", tmp_path / "profile"
    )
    assert '"username": "browser_user"' in shown
    assert '"followerCount": 0' in shown
