"""``python -m instructor report RESULTS --out report.html``: one page on a graded batch.

    python -m instructor report RESULTS --out report.html [--autograder OUT/autograder]
        [--threshold 0.5] [--no-similarity] [--force]

What an instructor reads after a batch: the score distribution, every check's
pass rate with its points (public or hidden) and its most frequent failure
reasons, the typical mistakes the evidence showed (the hints that fired),
the statuses, the slowest submissions, and the pairs of submissions whose
student code is unusually alike (:mod:`.similarity`; it needs
``--autograder``, whose stubs are the text every kit shares, and reads each
submission from where it was graded). The plots are PNG images inside the
page and the page has no script: it opens offline, from the file alone.
"""

import argparse
import base64
import html
import io
import statistics

from ..atomic import write_atomic
from ..command_line import CommandError, bundle_at, exits_on_error, new_file
from ..grading.gradebook import GradebookError, graded
from . import analysis, similarity

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
.bar { background: #4c72b0; height: 0.8em; display: inline-block; }
.side { display: grid; grid-template-columns: 1fr 1fr; gap: 1em; }
pre { background: #f7f7f7; padding: 0.5em; overflow-x: auto; font-size: 0.85em; }
img { max-width: 100%; }
"""


def _figure_html(figure, description):
    """A matplotlib figure as an <img> holding its PNG (the page needs no other file)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(figure)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(description)}" src="data:image/png;base64,{data}">'


def score_histogram(scores, maximum):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(7, 3.2))
    bins = [x - 0.5 for x in range(int(maximum) + 2)] if maximum <= 60 else 20
    axes.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    axes.set_title(f"Score distribution ({len(scores)} submissions)")
    axes.set_xlabel(f"score (points of {maximum:g})")
    axes.set_ylabel("submissions")
    axes.set_xlim(-0.5, maximum + 0.5)
    return _figure_html(figure, "histogram of the scores")


def pass_rate_chart(rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(figsize=(7, 0.25 * len(rows) + 1.2))
    labels = [row["id"] + (" (hidden)" if row["hidden"] else "") for row in rows]
    axes.barh(range(len(rows)), [100 * row["rate"] for row in rows], color="#4c72b0")
    axes.set_yticks(range(len(rows)), labels, fontsize=8)
    axes.invert_yaxis()                                   # the bundle's order, top down
    axes.set_xlim(0, 100)
    axes.set_title("Pass rate per check")
    axes.set_xlabel("submissions that passed (%)")
    return _figure_html(figure, "pass rate of every check")


def _table(headers, rows, numeric=()):
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            css = ' class="number"' if index in numeric else ""
            cells.append(f"<td{css}>{value}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def render(records, pairs=None, similarity_note="", threshold=similarity.THRESHOLD):
    """The page's HTML. Every text from a result or a submission is escaped."""
    e = html.escape
    scores, maximum = analysis.scores(records)
    checks = analysis.check_table(records)
    parts = [f"<h1>Batch report: {len(records)} submissions</h1>"]
    if scores:
        parts.append(f"<p>Mean score {statistics.mean(scores):.2f}, median "
                     f"{statistics.median(scores):g}, of {maximum:g} points.</p>")
        parts.append(score_histogram(scores, maximum))
    parts.append("<h2>Checks</h2>")
    if checks:
        parts.append(pass_rate_chart(checks))
    parts.append(_table(
        ["check", "notebook", "points", "kind", "passed", "pass rate", "most frequent failures"],
        [[f"<code>{e(row['id'])}</code>", e(row["notebook"]), row["points"],
          "hidden" if row["hidden"] else "public", f"{row['passed']} of {row['graded']}",
          f'<span class="bar" style="width:{4 * row["rate"]:.2f}em"></span> '
          f"{100 * row['rate']:.0f}%",
          "<br>".join(f"{count} &times; {e(reason)}" for reason, count in row["reasons"])]
         for row in checks], numeric=(2, 4)))
    parts.append("<h2>Typical mistakes the evidence showed</h2>")
    found = analysis.mistakes_found(records)
    parts.append(_table(["mistake (the hint the students got)", "submissions", "who"],
                        [[e(text), len(names), e(", ".join(names[:30]))
                          + (f" and {len(names) - 30} more" if len(names) > 30 else "")]
                         for text, names in found], numeric=(1,))
                 if found else "<p>None: no hint fired in this batch.</p>")
    parts.append("<h2>Statuses</h2>")
    parts.append(_table(["status", "submissions"],
                        [[f"<code>{e(status)}</code>", count]
                         for status, count in analysis.statuses(records)], numeric=(1,)))
    parts.append("<h2>Slowest to grade</h2>")
    parts.append(_table(["submission", "seconds", "status"],
                        [[e(name), f"{seconds:.1f}", f"<code>{e(status)}</code>"]
                         for name, seconds, status in analysis.slowest(records)], numeric=(1,)))
    parts.append("<h2>Similar submissions</h2>")
    if pairs is None:
        parts.append(f"<p>{e(similarity_note)}</p>")
    else:
        parts.append(f"<p>Pairs whose student code is alike (after the stubs every kit carries "
                     f"are removed, and names and formatting normalised) with a score of at "
                     f"least {threshold:g}: {len(pairs)}. A score is the mean share of each "
                     f"one's own code that the other also has. This reports; it changes no "
                     f"grade. {e(similarity_note)}</p>")
        for pair in pairs:
            parts.append(f"<details><summary>{e(pair.first)} and {e(pair.second)}: "
                         f"{pair.score:.2f}</summary>")
            for path, mine, theirs in pair.passages:
                parts.append(f"<h4>{e(path)}</h4><div class=\"side\">"
                             f"<div><b>{e(pair.first)}</b><pre>{e(mine)}</pre></div>"
                             f"<div><b>{e(pair.second)}</b><pre>{e(theirs)}</pre></div></div>")
            parts.append("</details>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>Batch report</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def student_code(records, bundle):
    """``({name: {student file: text}}, note)`` of the submissions, read where they were graded."""
    from ..grading.submission import InvalidSubmission, read_submission
    codes, unreadable = {}, []
    for name, record in records.items():
        source = record.get("source")
        try:
            submission = read_submission(source, bundle.student_files, bundle.provided_files())
        except (InvalidSubmission, OSError, TypeError):
            unreadable.append(name)
            continue
        codes[name] = {path: data.decode("utf-8", "replace")
                       for path, data in submission.student_files.items()}
    note = (f"Not compared (not found where they were graded, or unreadable): "
            f"{', '.join(sorted(unreadable))}." if unreadable else "")
    return codes, note


@exits_on_error
def main(argv):
    parser = argparse.ArgumentParser(prog="python -m instructor report",
                                     description="One HTML page on a graded batch.")
    parser.add_argument("results", metavar="RESULTS")
    parser.add_argument("--out", required=True, help="the HTML file to write")
    parser.add_argument("--autograder", help="OUT/autograder of the release: its results, and "
                                             "its stubs for the similarity of submissions")
    parser.add_argument("--threshold", type=float, default=similarity.THRESHOLD,
                        help=f"list pairs of submissions scoring at least this "
                             f"(default {similarity.THRESHOLD:g})")
    parser.add_argument("--no-similarity", action="store_true",
                        help="leave out the similar submissions (it compares every pair)")
    parser.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    args = parser.parse_args(argv)
    out = new_file(args.out, args.force)
    bundle = bundle_at(args.autograder) if args.autograder else None
    try:
        records = graded(args.results, bundle.fingerprint if bundle else None)
    except (GradebookError, OSError) as error:
        raise CommandError(str(error)) from None
    if not records:
        raise CommandError(f"{args.results} holds no result of this bundle")
    pairs, note = None, ""
    if args.no_similarity:
        note = "Left out (--no-similarity)."
    elif bundle is None:
        note = "Left out: give --autograder OUT/autograder to compare the submissions."
    else:
        try:
            import copydetect  # noqa: F401
        except ImportError:
            note = "Left out: the comparison needs copydetect (pip install copydetect)."
        else:
            codes, note = student_code(records, bundle)
            stubs = {path: (bundle.kit / path).read_text(encoding="utf-8")
                     for path in bundle.student_files}
            pairs = similarity.similar_pairs(codes, stubs, args.threshold)
    write_atomic(out, render(records, pairs, note, args.threshold))
    print(f"{out}: {len(records)} submission(s)"
          + (f", {len(pairs)} similar pair(s)" if pairs is not None else ""))
    return 0
