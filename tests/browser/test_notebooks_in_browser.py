"""Every notebook, run in JupyterLab in headless Chromium, as a student would run it.

For each notebook in ``notebooks/``: open it in JupyterLab (served from a
copy of this kit, reference solutions included), choose Run > Run All Cells,
wait for the kernel, then check that every code cell ran, that no cell shows
an error and that every figure rendered. The interactive demo is also
clicked: one gradient step, then 100, must lower the total loss it shows; the
same in Notebook 7; and in a copy of the kit with the student stubs it must
say that the loss is not implemented yet and still draw the scores.

A screenshot of each notebook is saved; the folder is printed at the end.
Run: ``pytest tests/browser -o addopts="" -q`` (see the README).
"""

import re
import time
from pathlib import Path

import pytest

KIT_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow      # a JupyterLab server and a browser, tens of seconds a notebook
NOTEBOOKS = sorted((KIT_ROOT / "notebooks").glob("*.ipynb"))
DEMO = "5_interactive_demo.ipynb"
VIEWPORT = {"width": 1400, "height": 1000}
#: Longest a notebook may take to run (they take well under a minute on the digits).
RUN_TIMEOUT_S = 180

# An error output: a Python traceback or an exception name line ("ValueError: ...").
_ERROR_TEXT = re.compile(r"Traceback \(most recent call last\)|^\s*\w*(?:Error|Exception)\b",
                         re.MULTILINE)
_WIDGET_ERROR_TEXT = ("Error displaying widget", "Failed to load model class",
                      "Could not create a view")


# Errors that Notebook 7's own start-up logs in the page (its file browser and
# settings plugins), whatever the notebook: not the kit's to fix.
_FRONT_END_NOISE = ("Command 'filebrowser:open-path' not registered",
                    "Cannot read properties of undefined (reading 'schema')")


def javascript_errors(page):
    """Uncaught errors in the page, less the front end's own start-up noise."""
    return [error for error in page.page_errors
            if not any(noise in error for noise in _FRONT_END_NOISE)]


@pytest.fixture(scope="module")
def browser_context(browser):
    """One browser profile for the module: JupyterLab's scripts are fetched once."""
    context = browser.new_context(viewport=VIEWPORT)
    yield context
    context.close()


@pytest.fixture
def page(browser_context, jupyter):
    """A new browser tab; the kernels it started are shut down after."""
    tab = browser_context.new_page()
    tab.page_errors = []
    tab.on("pageerror", lambda error: tab.page_errors.append(str(error)))
    yield tab
    tab.close()
    jupyter.shutdown_kernels()


#: The two front ends a student may use: the URL that opens a notebook in each.
FRONT_ENDS = {
    "JupyterLab": "{url}/lab/workspaces/{workspace}/tree/{path}?token={token}",
    "Notebook7": "{url}/notebooks/{path}?token={token}",
}


def open_notebook(page, jupyter, path, front_end="JupyterLab"):
    """Open a notebook (path relative to the served folder) and wait for its kernel.

    In JupyterLab each notebook gets a workspace of its own, so that no tab of
    an earlier test is restored beside it.
    """
    workspace = re.sub(r"\W", "-", path)
    jupyter.start_kernel(path)
    page.goto(FRONT_ENDS[front_end].format(url=jupyter.url, workspace=workspace, path=path,
                                           token=jupyter.token))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                           timeout=60_000)
    # Fold the file browser away: the screenshots show the notebook wider.
    open_tab = page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current")
    if open_tab.count():
        open_tab.first.click()


_PROMPTS = ("[...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]"
            ".map(prompt => prompt.textContent.trim())")
# Run All marks every code cell [*] at once, and each cell that ran gets a new
# execution count: either proves that the cells started. (A short notebook can
# finish before a [*] is ever seen, so the counts are needed too.)
_STARTED = (f"(before) => {{ const now = {_PROMPTS}; "
            "return now.includes('[*]:') || JSON.stringify(now) !== JSON.stringify(before); }")


def run_all_cells(page, picture, attempts=3):
    """Run > Run All Cells, through the menu bar as a student would."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(1, attempts + 1):
        # Should JupyterLab still ask which kernel to use, take the one it proposes.
        select_kernel = page.locator(".jp-Dialog .jp-Dialog-button.jp-mod-accept")
        if select_kernel.count():
            select_kernel.first.click()
        # Make the notebook the active document, so that the Run menu acts on it.
        page.locator(".jp-NotebookPanel .jp-Notebook .jp-Cell").first.click()
        before = page.evaluate(f"() => {_PROMPTS}")
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.locator(".lm-Menu li[data-command='runmenu:run-all']").click()
        try:
            page.wait_for_function(_STARTED, arg=before, polling="raf", timeout=10_000)
            return
        except PlaywrightTimeout:
            page.screenshot(path=picture)
            page.keyboard.press("Escape")
    pytest.fail(f"Run > Run All Cells did not start the cells ({attempts} tries); "
                f"picture: {picture}", pytrace=False)


_CELL_STATES = """() => {
  const cells = [...document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-CodeCell')];
  return {
    status: document.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status'),
    prompts: cells.map(cell => (cell.querySelector('.jp-InputPrompt')?.textContent || '').trim()),
    empty: cells.map(cell => (cell.querySelector('.cm-content')?.textContent || '').trim() === ''),
  };
}"""

_FINISHED = """() => {
  const status = document.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status');
  const prompts = [...document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim());
  // Over when no cell is left queued and the kernel is idle (after an error, Run All
  // stops and the cells below it are left unnumbered).
  return status === 'idle' && !prompts.some(p => p === '[*]:');
}"""


def wait_until_finished(page, picture, timeout_s=RUN_TIMEOUT_S):
    """Wait for Run All to end; on a timeout, save a picture and say where it stuck."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(_FINISHED, timeout=timeout_s * 1000, polling=500)
    except PlaywrightTimeout:
        page.screenshot(path=picture)
        states = page.evaluate(_CELL_STATES)
        pytest.fail(f"Run All did not finish within {timeout_s} s: kernel "
                    f"{states['status']!r}, prompts {states['prompts']}; picture: {picture}",
                    pytrace=False)
    # Widgets and images render just after the kernel goes idle.
    page.wait_for_timeout(1000)


def unexecuted_cells(page):
    """1-based numbers of the non-empty code cells that did not run."""
    states = page.evaluate(_CELL_STATES)
    return [number for number, (prompt, empty) in
            enumerate(zip(states["prompts"], states["empty"]), start=1)
            if not empty and not re.fullmatch(r"\[\d+\]:", prompt)]


def error_outputs(page):
    """Text of each output that shows an error: tracebacks, and widgets that failed."""
    stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    errors = [text for text in stderr.all_inner_texts() if _ERROR_TEXT.search(text)]
    outputs = "\n".join(page.locator(".jp-OutputArea-output").all_inner_texts())
    errors += [f"widget: {text}" for text in _WIDGET_ERROR_TEXT if text in outputs]
    return errors


def output_images(page):
    """(rendered, broken) counts of the visible images in the cells' outputs."""
    return page.evaluate("""() => {
      const images = [...document.querySelectorAll('.jp-OutputArea-output img')]
        .filter(img => img.getClientRects().length > 0);  // not display: none
      const ok = images.filter(img => img.complete && img.naturalWidth > 0 && img.naturalHeight > 0);
      return [ok.length, images.length - ok.length];
    }""")


def total_loss_shown(page):
    """The total loss the demo shows beside its plot, as a float (None for a dash)."""
    text = page.locator(".linear-demo-total .linear-demo-total-value").inner_text().strip()
    return None if text in ("", "—") else float(text)


def screenshot_whole_notebook(page, path, max_height=20_000):
    """A picture of the whole notebook: the window is made as tall as the notebook first."""
    # The notebook scrolls inside its panel: its content is as tall as the
    # scroller's scrollHeight; the page around it (menus, toolbars) adds the rest.
    height = page.evaluate("""() => {
      const scroller = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer')
                       || document.querySelector('.jp-NotebookPanel .jp-Notebook');
      return scroller.scrollHeight + window.innerHeight - scroller.clientHeight;
    }""")
    page.set_viewport_size({"width": VIEWPORT["width"],
                            "height": int(min(max_height, max(VIEWPORT["height"], height + 20)))})
    page.evaluate("""() => {
      const scroller = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer');
      if (scroller) scroller.scrollTop = 0;
    }""")
    page.wait_for_timeout(500)
    page.screenshot(path=path)
    page.set_viewport_size(VIEWPORT)


def run_notebook(page, jupyter, path, picture_stem, front_end="JupyterLab"):
    """Open the notebook, Run All Cells and wait for the end; the seconds it took."""
    started = time.monotonic()
    open_notebook(page, jupyter, path, front_end)
    run_all_cells(page, picture_stem.with_name(f"{picture_stem.name}-run-all.png"))
    wait_until_finished(page, picture_stem.with_name(f"{picture_stem.name}-timeout.png"))
    return time.monotonic() - started


def wait_for_new_total(page, shown_before):
    page.wait_for_function(
        "before => { const el = document.querySelector('.linear-demo-total-value');"
        " return el && el.textContent.trim() !== before; }",
        arg=shown_before, timeout=30_000)


def screenshot_demo(page, path):
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 1400})
    page.locator(".linear-demo").evaluate("element => element.scrollIntoView({block: 'center'})")
    page.wait_for_timeout(500)  # let the last plot decode before the picture
    page.screenshot(path=path)
    page.set_viewport_size(VIEWPORT)


def check_demo_steps(page, picture):
    """In the demo that Run All displayed: one step, then 100, each lower the total loss."""
    page.locator(".linear-demo").wait_for(timeout=30_000)
    plot = page.locator(".linear-demo-plot")
    assert plot.evaluate("img => img.complete && img.naturalWidth > 0"), "the plot did not render"
    assert "not implemented" not in page.locator(".linear-demo-message").inner_text()

    before = total_loss_shown(page)
    assert before is not None and before > 0, "the demo shows no total loss"
    first_plot = plot.get_attribute("src")
    page.locator(".linear-demo-step").click()
    wait_for_new_total(page, f"{before:.4f}")
    after_one = total_loss_shown(page)
    assert after_one < before, f"one step took the loss from {before} to {after_one}"
    assert plot.get_attribute("src") != first_plot, "the plot was not redrawn after the step"

    page.locator(".linear-demo-run").click()
    wait_for_new_total(page, f"{after_one:.4f}")
    after_many = total_loss_shown(page)
    assert after_many < after_one, f"100 steps took the loss from {after_one} to {after_many}"
    screenshot_demo(page, picture)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_in_jupyterlab(notebook, page, jupyter, screenshot_dir):
    """Run All: every cell runs, none shows an error, every figure renders.

    In the demo, clicking the step buttons must also lower the loss shown.
    """
    seconds = run_notebook(page, jupyter, f"kit/notebooks/{notebook.name}",
                           screenshot_dir / notebook.stem)
    # Screenshot first, so that a failing notebook leaves a picture of itself.
    screenshot_whole_notebook(page, screenshot_dir / f"{notebook.stem}.png")

    assert not unexecuted_cells(page), (
        f"{notebook.name}: code cells {unexecuted_cells(page)} did not run (an error above "
        f"them stops Run All); errors shown: {error_outputs(page)}")
    assert not error_outputs(page), f"{notebook.name} shows errors:\n" + "\n---\n".join(
        error_outputs(page))
    rendered, broken = output_images(page)
    assert broken == 0, f"{notebook.name}: {broken} figure(s) did not render"
    assert rendered > 0, f"{notebook.name}: no figure was rendered"
    if notebook.name == DEMO:
        check_demo_steps(page, screenshot_dir / f"{notebook.stem}-widget-JupyterLab.png")
    assert not javascript_errors(page), f"JavaScript errors: {javascript_errors(page)}"
    print(f"{notebook.name}: ran in {seconds:.0f} s, {rendered} figures")


needs_demo = pytest.mark.skipif(not (KIT_ROOT / "notebooks" / DEMO).exists(),
                                reason=f"no notebooks/{DEMO}")


@needs_demo
def test_demo_in_notebook7(page, jupyter, screenshot_dir):
    """The demo works in Notebook 7 too, with no extension to install."""
    stem = screenshot_dir / f"{Path(DEMO).stem}-widget-Notebook7"
    run_notebook(page, jupyter, f"kit/notebooks/{DEMO}", stem, "Notebook7")
    assert not unexecuted_cells(page) and not error_outputs(page), error_outputs(page)
    check_demo_steps(page, f"{stem}.png")
    assert not javascript_errors(page), f"JavaScript errors: {javascript_errors(page)}"


@needs_demo
def test_demo_in_the_student_kit_says_the_loss_is_not_implemented(page, jupyter,
                                                                  screenshot_dir):
    stem = screenshot_dir / f"{Path(DEMO).stem}-widget-student-kit"
    run_notebook(page, jupyter, f"student/notebooks/{DEMO}", stem)
    page.locator(".linear-demo").wait_for(timeout=30_000)
    screenshot_demo(page, f"{stem}.png")
    assert not unexecuted_cells(page) and not error_outputs(page), error_outputs(page)
    assert "svm_loss_vectorized is not implemented yet" in page.locator(
        ".linear-demo-message").inner_text()
    assert total_loss_shown(page) is None
    assert page.locator(".linear-demo-step").is_disabled()
    plot = page.locator(".linear-demo-plot")
    assert plot.evaluate("img => img.complete && img.naturalWidth > 0"), "the plot did not render"
    # The scores still follow the controls: a new data set redraws the plot and table.
    table = page.locator(".linear-demo-table").inner_text()
    page.locator(".linear-demo-randomize").click()
    page.wait_for_function(
        "before => document.querySelector('.linear-demo-table').innerText !== before",
        arg=table, timeout=30_000)
    assert not javascript_errors(page), f"JavaScript errors: {javascript_errors(page)}"


def test_the_checks_see_an_error(page, jupyter, served_root, screenshot_dir):
    """The checks above can fail: a notebook whose second cell raises is caught."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    folder = served_root / "selftest"
    folder.mkdir(exist_ok=True)
    notebook = new_notebook(cells=[new_code_cell("print('fine')"), new_code_cell("1 / 0"),
                                   new_code_cell("print('never runs')")],
                            metadata={"kernelspec": {"name": "python3", "language": "python",
                                                     "display_name": "Python 3"}})
    nbformat.write(notebook, folder / "broken.ipynb")
    run_notebook(page, jupyter, "selftest/broken.ipynb", screenshot_dir / "selftest-broken")
    assert unexecuted_cells(page) == [3]
    errors = error_outputs(page)
    assert len(errors) == 1 and "ZeroDivisionError" in errors[0]
