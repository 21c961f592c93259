#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""tmdb_browser.py URL: a scripted user at TMDb's approval page, usable as $BROWSER.

Called with the approval URL, or (as tmdb-login calls a browser) the file:// URL of a local
page that leads to it, as its one argument (as xdg-open is), it starts headless Chromium once
(selenium with Debian's chromium and chromedriver; nothing is downloaded), opens the URL
(following the page to the approval URL: the JSON line's "opened" is the argument, "url" the
first http(s) page reached), signs in, clicks Approve or Deny, and waits until the page after the click
has loaded (the redirect_to target, or the stand-in's own Approved/Denied page).

Environment:
    TMDB_BROWSER_USER, TMDB_BROWSER_PASSWORD   the account to sign in as (required)
    TMDB_BROWSER_ACTION      approve (default) or deny
    TMDB_BROWSER_ARTIFACTS   a directory: PNG screenshots of the approval page (before the
                             click) and of the final page are saved there
    TMDB_BROWSER_LOG         a file: one JSON line is appended per call, with at least
                             click_monotonic (time.monotonic() just before the click; null if
                             no click was made or no page followed it), final_url, ok,
                             error (null when ok), signed_in_as, screenshots (paths)
    TMDB_BROWSER_SPKI        base64 SHA-256 hashes of server public keys (comma-separated) whose
                             certificates Chromium accepts without a trusted chain: the
                             stand-in's test certificate
    TMDB_BROWSER_TIMEOUT     seconds for each page load and wait (default 60)
    TMDB_CHROMIUM, TMDB_CHROMEDRIVER   the binaries (default /usr/bin/chromium,
                             /usr/bin/chromedriver)

time.monotonic() is CLOCK_MONOTONIC, so click_monotonic compares with other processes on
the machine (the benchmark measures from the Approve click to PAM_SUCCESS).

Exit status: 0 when the click was made and the page after it loaded; 1 with a message on
stderr otherwise (the JSON line says the same); 2 for a usage error. The driver is always
quit and the temporary profile (also Chromium's HOME) removed.
"""

import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time

ACTIONS = ("approve", "deny")
# As root in a container, with no network beyond loopback: no sandbox, no GPU, and none of
# Chromium's background traffic (updates, sync, field trials), which would otherwise flood
# the closed network with connection attempts.
CHROMIUM_FLAGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-breakpad", "--disable-crash-reporter",
    "--no-default-browser-check",
    "--no-proxy-server", "--window-size=1024,768",
)


class BrowserError(Exception):
    pass


def _log_line(path, record):
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(record, sort_keys=True) + "\n")


class Run:
    """One call: the Chromium session and what the JSON line reports."""

    def __init__(self, url, env):
        self.url = url
        self.user = env.get("TMDB_BROWSER_USER")
        self.password = env.get("TMDB_BROWSER_PASSWORD")
        self.action = env.get("TMDB_BROWSER_ACTION") or "approve"
        self.artifacts = env.get("TMDB_BROWSER_ARTIFACTS") or None
        self.spki = env.get("TMDB_BROWSER_SPKI") or None
        self.timeout = float(env.get("TMDB_BROWSER_TIMEOUT") or 60)
        self.chromium = env.get("TMDB_CHROMIUM") or "/usr/bin/chromium"
        self.chromedriver = env.get("TMDB_CHROMEDRIVER") or "/usr/bin/chromedriver"
        self.stamp = "%d-%d" % (os.getpid(), time.time_ns())
        self.record = {"url": url, "action": self.action, "user": self.user,
                       "click_monotonic": None, "final_url": None, "ok": False,
                       "error": None, "signed_in_as": None, "screenshots": []}
        self.driver = None

    # -- Chromium ---------------------------------------------------------------

    def check_tools(self):
        """Names what is missing, rather than selenium's "session not created"."""
        for path, package, var in ((self.chromium, "chromium", "TMDB_CHROMIUM"),
                                   (self.chromedriver, "chromium-driver", "TMDB_CHROMEDRIVER")):
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                raise BrowserError("%s is not an executable file (install Debian's %s, or set %s)"
                                   % (path, package, var))
        if importlib.util.find_spec("selenium") is None:
            raise BrowserError("cannot import selenium (install python3-selenium)")

    def start(self, home):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        opts = webdriver.ChromeOptions()
        opts.binary_location = self.chromium
        for flag in CHROMIUM_FLAGS:
            opts.add_argument(flag)
        opts.add_argument("--user-data-dir=" + os.path.join(home, "profile"))
        if self.spki:
            opts.add_argument("--ignore-certificate-errors-spki-list=" + self.spki)
        # Chromium and NSS write under $HOME (~/.pki, caches): keep all of it in the temp dir.
        env = dict(os.environ, HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   XDG_CACHE_HOME=os.path.join(home, ".cache"))
        # An explicit chromedriver path: selenium's driver manager never looks for a download.
        service = Service(executable_path=self.chromedriver, log_path=os.devnull, env=env)
        self.driver = webdriver.Chrome(service=service, options=opts)
        self.driver.set_page_load_timeout(self.timeout)

    def quit(self):
        if self.driver is not None:
            try:
                self.driver.quit()
            finally:
                self.driver = None

    # -- pages --------------------------------------------------------------------

    def _find(self, element_id):
        from selenium.webdriver.common.by import By

        found = self.driver.find_elements(By.ID, element_id)
        return found[0] if found else None

    def _click_and_wait(self, button, what):
        """Clicks a submit button and waits until the page it leads to has loaded, whatever
        redirects happen between; returns time.monotonic() of just before the click. The old
        page is marked with a script variable, which the next document does not have: no
        element of the old page is touched once the navigation may have started (that races
        with Chromium tearing the page down)."""
        from selenium.common.exceptions import TimeoutException, WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver.execute_script("window.tmdbBrowserOldPage = true;")
        clicked_at = time.monotonic()  # just before the click
        try:
            button.click()
        except WebDriverException:
            pass  # the click may race with the navigation it started; the wait below decides
        wait = WebDriverWait(self.driver, self.timeout, ignored_exceptions=(WebDriverException,))
        try:
            wait.until(lambda d: d.execute_script(
                "return window.tmdbBrowserOldPage === undefined && document.readyState === 'complete'"))
        except TimeoutException:
            raise BrowserError("no new page loaded within %g s of clicking %s" % (self.timeout, what))
        return clicked_at

    def screenshot(self, what):
        if not self.artifacts:
            return
        os.makedirs(self.artifacts, exist_ok=True)
        path = os.path.join(self.artifacts, "tmdb-browser-%s-%s.png" % (self.stamp, what))
        if not self.driver.save_screenshot(path):
            raise BrowserError("cannot save the screenshot %s" % path)
        self.record["screenshots"].append(path)

    def _page_error(self):
        """The stand-in's error paragraph, or the page title, for a message."""
        err = self._find("error")
        return err.text if err is not None else self.driver.title

    def sign_in(self):
        username = self._find("username")
        if username is None:
            return  # already signed in
        username.send_keys(self.user)
        self._find("password").send_keys(self.password)
        self._click_and_wait(self._find("signin"), "Sign in")
        if self._find("signed-in-as") is None:
            raise BrowserError("sign-in failed: %s" % self._page_error())

    def _load_failed(self):
        """True when Chromium shows its own error page (the server could not be reached):
        WebDriver then still reports the URL it was asked for."""
        return self.driver.execute_script("return document.URL").startswith("chrome-error:")

    def _follow_local_page(self):
        """A file:// page moves on by itself (tmdb-login's meta refresh): wait for the first
        http(s) page and take it as the URL opened."""
        from selenium.common.exceptions import TimeoutException, WebDriverException
        from selenium.webdriver.support.ui import WebDriverWait

        wait = WebDriverWait(self.driver, self.timeout, ignored_exceptions=(WebDriverException,))
        try:
            wait.until(lambda d: d.execute_script(
                "return !document.URL.startsWith('file:') && document.readyState === 'complete'"))
        except TimeoutException:
            raise BrowserError("the local page %s led nowhere within %g s" % (self.url, self.timeout))
        self.url = self.driver.execute_script("return document.URL")
        self.record["url"] = self.url

    def drive(self):
        self.driver.get(self.url)
        if self.url.startswith("file:"):
            self.record["opened"] = self.url
            self._follow_local_page()
        if self._load_failed():
            raise BrowserError("cannot load %s" % self.url)
        self.sign_in()
        who = self._find("signed-in-as")
        if who is None:
            raise BrowserError("no approval page at %s: %s" % (self.url, self._page_error()))
        self.record["signed_in_as"] = who.find_element("tag name", "strong").text
        button = self._find(self.action)
        if button is None:
            raise BrowserError("the page has no %s button" % self.action)
        self.screenshot("approval")
        self.record["click_monotonic"] = self._click_and_wait(button, self.action.capitalize())
        final = self.driver.current_url
        self.record["final_url"] = final
        self.screenshot("final")
        if self._load_failed():
            raise BrowserError("the page after the click did not load (%s)" % final)


def main(argv, env):
    if len(argv) != 2 or argv[1].startswith("-"):
        print("usage: tmdb_browser.py URL  (see the environment variables in its header)",
              file=sys.stderr)
        return 2
    run = Run(argv[1], env)
    rc = 1
    home = None
    try:
        if not run.user or run.password is None:
            raise BrowserError("TMDB_BROWSER_USER and TMDB_BROWSER_PASSWORD must be set")
        if run.action not in ACTIONS:
            raise BrowserError("TMDB_BROWSER_ACTION must be approve or deny, not %r" % run.action)
        run.check_tools()
        home = tempfile.mkdtemp(prefix="tmdb-browser-")
        run.start(home)
        try:
            run.drive()
        except Exception:
            # what the browser shows when it went wrong is the most useful artifact
            if run.driver is not None and run.record["final_url"] is None:
                try:
                    run.record["final_url"] = run.driver.current_url
                    run.screenshot("final")
                except Exception:  # noqa: BLE001 (the first error is the one to report)
                    pass
            raise
        run.record["ok"] = True
        rc = 0
    except BrowserError as e:
        run.record["error"] = str(e)
    except Exception as e:  # noqa: BLE001 (selenium, Chromium, OS: all end as a reported failure)
        run.record["error"] = "%s: %s" % (type(e).__name__, str(e).strip().splitlines()[0]
                                          if str(e).strip() else "")
    finally:
        try:
            run.quit()
        except Exception as e:  # noqa: BLE001
            if run.record["error"] is None:
                run.record["error"] = "cannot quit the driver: %s" % e
                run.record["ok"] = False
                rc = 1
        if home is not None:
            shutil.rmtree(home, ignore_errors=True)
            if os.path.exists(home):  # a Chromium child still writing as quit returned
                time.sleep(0.5)
                shutil.rmtree(home, ignore_errors=True)
    if run.record["error"] is not None:
        print("tmdb_browser: %s" % run.record["error"], file=sys.stderr)
    log = env.get("TMDB_BROWSER_LOG")
    if log:
        _log_line(log, run.record)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv, os.environ))
