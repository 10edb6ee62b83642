"""The batch report (``python -m instructor report``) opened from its file in headless Chromium.

It must render with no script error or console error, show every plot it
embeds, and work offline: the page asks the network for nothing.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import test_report  # noqa: E402  (the tests' own batch of submissions and results)

pytestmark = pytest.mark.slow


def test_the_report_renders_offline_with_its_plots_and_no_error(browser, tmp_path,
                                                                 screenshot_dir):
    bundle, out = test_report.make_batch(tmp_path)
    target = tmp_path / "report.html"
    done = test_report.report(out, "--out", target, "--autograder", bundle)
    assert done.returncode == 0, done.stderr
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    tab = context.new_page()
    errors, requests = [], []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.on("console", lambda message: errors.append(message.text)
           if message.type == "error" else None)
    tab.on("request", lambda request: requests.append(request.url)
           if not request.url.startswith(("file:", "data:")) else None)
    tab.goto(target.as_uri())
    tab.wait_for_load_state("load")
    assert tab.title() == "Batch report"
    images = tab.eval_on_selector_all("img", "imgs => imgs.map(i => [i.alt, i.naturalWidth])")
    assert [alt for alt, _ in images] == ["histogram of the scores", "pass rate of every check"]
    assert all(width > 100 for _, width in images), images
    tab.click("summary")                                   # the similar pair opens
    assert tab.is_visible("text=ada")
    tab.screenshot(path=str(screenshot_dir / "report.png"), full_page=True)
    assert not errors and not requests, (errors, requests)
    context.close()
