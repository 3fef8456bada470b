"""The HTML report: one self-contained file with every view and every source."""

from __future__ import annotations

import html
import re

import pytest
from plotly.offline import get_plotlyjs

from detente.errors import InputError
from detente.report import extras
from detente.report.html import ReportOptions, build_report, write_report

OPTS = ReportOptions(draws=200)


@pytest.fixture(scope="module")
def report_text(documented) -> str:
    return build_report(documented, models=["compromise", "median"], seed=1, options=OPTS)


def test_self_contained_no_network(report_text):
    assert report_text.startswith("<!DOCTYPE html>")
    # the markup outside the inline scripts fetches nothing: no script, stylesheet, image
    # or frame with a source (plotly.js's own text mentions web addresses, in links the
    # charts used here never draw; the browser test checks that no request is made)
    markup = re.sub(r"<script[^>]*>.*?</script>", "<script></script>", report_text, flags=re.S)
    assert not re.search(r"<(script|img|iframe|link)[^>]+(src|href)=", markup)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", markup)
    assert "url(" not in markup
    # plotly.js itself is inline, once
    assert report_text.count(get_plotlyjs()) == 1


def test_every_view_is_there(report_text):
    sections = re.findall(r'<h2 id="([a-z-]+)"', report_text)
    expected = ["outcome", "trajectories", "actor-map", "agreement"]
    if extras.has("ensemble"):
        expected.append("ensemble")
    if extras.has("sensitivity"):
        expected.append("sensitivity")
    if extras.has("what_it_takes"):
        expected.append("what-it-takes")
    expected.append("scenario")
    assert sections == expected
    # outcome, actor map, Pareto; closed-form models have no trajectory chart
    n = 3 + extras.has("ensemble") + 2 * extras.has("sensitivity")
    assert report_text.count('class="plotly-graph-div"') == n
    assert "Nash solution" in report_text and "Kalai-Smorodinsky solution" in report_text


def test_every_source_and_rationale_is_shown(report_text, documented):
    texts = [documented.sources[0].title]
    for obj in (*documented.actors, *documented.issues, *documented.stances):
        texts += [obj.provenance.rationale, obj.provenance.location]
    texts.append(documented.linkages[0].provenance.rationale)
    texts.append(documented.variants[0].changes[0].rationale)
    for t in texts:
        assert html.escape(t) in report_text, t


def test_text_is_escaped(report_text):
    assert "Documented &lt;test&gt; scenario" in report_text
    assert "<test>" not in report_text
    assert "A &amp; B bargain" in report_text


def test_same_inputs_same_file(report_text, documented):
    again = build_report(documented, models=["compromise", "median"], seed=1, options=OPTS)
    assert again == report_text


def test_missing_reference_points_are_said_not_hidden(tiny):
    text = build_report(tiny, models=["compromise"], options=ReportOptions(draws=0))
    assert "Not computed:" in text and "no reference point: y" in text
    assert 'id="ensemble"' not in text  # draws=0 leaves it out
    assert 'id="what-it-takes"' not in text  # no default target without reference points


def test_write_refuses_to_overwrite(tmp_path):
    p = tmp_path / "r.html"
    write_report(p, "one")
    with pytest.raises(InputError, match="exists already") as err:
        write_report(p, "two")
    assert "--force" in err.value.message
    assert p.read_text() == "one"
    write_report(p, "two", force=True)
    assert p.read_text() == "two"
    with pytest.raises(InputError, match="does not exist"):
        write_report(tmp_path / "nowhere" / "r.html", "x")
