"""Charts, checked by their artists (bands, lines, markers), never by pixels."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from harness.analysis.align import Series, align
from harness.analysis.summary import load_variant, variant_summary
from harness.plots.charts import write_charts
from harness.plots.health import health_figure
from harness.plots.latency import latency_compare_figure, latency_figure
from harness.plots.multiples import multiples_figure
from harness.plots.mysql import mysql_figure
from harness.plots.outcomes import outcomes_compare_figure, outcomes_figure
from harness.plots.pool import pool_compare_figure, pool_figure
from tests.unit.recorded import calm_variant, incident_variant, sample, write_variant


def make(d: Path, name: str = "bug") -> Series:
    vdir = incident_variant(d / name) if name == "bug" else calm_variant(d / name)
    data = load_variant(vdir)
    return Series(name, data, variant_summary(data, acquire_timeout_s=1.0))


def two_faults(d: Path) -> Series:
    """Faults at 1-2 s and 4-6 s, and a crash of the app at 8 s."""
    events = [{"t_s": 0.0, "event": "load.start"},
              {"t_s": 1.0, "event": "latency.start", "fault": "latency", "index": 0},
              {"t_s": 2.0, "event": "latency.stop", "fault": "latency", "index": 0},
              {"t_s": 4.0, "event": "freeze.start", "fault": "freeze", "index": 1},
              {"t_s": 6.0, "event": "freeze.stop", "fault": "freeze", "index": 1},
              {"t_s": 8.0, "event": "app.crash", "code": -9}]
    vdir = write_variant(d / "two", [sample(float(t), 1, 3, 0) for t in range(9)],
                         [(t / 2, "query", 3.0, "ok", "") for t in range(16)], events)
    data = load_variant(vdir)
    return Series("two", data, variant_summary(data))


def by_gid(fig: Figure, prefix: str) -> list[Any]:
    return [a for a in fig.findobj(lambda a: str(a.get_gid() or "").startswith(prefix))]


def band_x(band: Any) -> tuple[float, float]:
    """(start, end) of a fault band (axvspan's rectangle)."""
    return (round(band.get_x(), 6), round(band.get_x() + band.get_width(), 6))


def bands_per_axis(fig: Figure) -> list[int]:
    """Fault bands on each time axis of the figure."""
    return [len([p for p in ax.patches if str(p.get_gid() or "").startswith("fault-band-")]) for ax in fig.axes]


@pytest.mark.parametrize("draw", [pool_figure, latency_figure, outcomes_figure, mysql_figure])
def test_one_band_per_fault_window_on_every_axis(tmp_path: Path, draw: Any) -> None:
    """Two fault windows: two translucent bands on each axis, with a line at each start and stop."""
    fig = draw(two_faults(tmp_path))
    assert [2] * len(fig.axes) == bands_per_axis(fig)
    assert 4 * len(fig.axes) == len(by_gid(fig, "fault-line-"))
    assert {0.12} == {p.get_alpha() for p in by_gid(fig, "fault-band-")}


def test_crash_gets_its_own_line(tmp_path: Path) -> None:
    """An app crash is marked with a line on every axis of the pool chart, at its time."""
    fig = pool_figure(two_faults(tmp_path))
    lines = by_gid(fig, "event-app.crash")
    assert (len(fig.axes), {8.0}) == (len(lines), {line.get_xdata()[0] for line in lines})


def test_open_fault_runs_to_the_end_of_the_recording(tmp_path: Path) -> None:
    """Cut short mid-fault: the band reaches the last recorded moment and has only its start line."""
    events = [{"t_s": 0.0, "event": "load.start"},
              {"t_s": 3.0, "event": "latency.start", "fault": "latency", "index": 0},
              {"t_s": 7.5, "event": "run.interrupted"}]
    data = load_variant(write_variant(tmp_path / "cut", [sample(float(t), 1, 3, 0) for t in range(8)], [], events))
    fig = pool_figure(Series("cut", data, variant_summary(data)))
    band = by_gid(fig, "fault-band-0")[0]
    assert (band_x(band), len(by_gid(fig.axes[0], "fault-line-")),
                                  len(by_gid(fig.axes[0], "event-run.interrupted"))) == ((3.0, 7.5), 1, 1)


@pytest.mark.parametrize("draw", [pool_figure, latency_figure, outcomes_figure, mysql_figure])
def test_the_load_end_is_a_line_on_every_axis_named_once(tmp_path: Path, draw: Any) -> None:
    """load.stop at 6 s: a line there on each axis, and the words "load ends" once, above the first."""
    events = [{"t_s": 0.0, "event": "load.start"}, {"t_s": 6.0, "event": "load.stop"}]
    data = load_variant(write_variant(tmp_path / "end", [sample(float(t), 1, 3, 0) for t in range(8)],
                                      [(t / 2, "query", 3.0, "ok", "") for t in range(12)], events))
    fig = draw(Series("end", data, variant_summary(data)))
    lines = by_gid(fig, "load-end")
    labels = [a for a in lines if a.get_gid() == "load-end-label"]
    assert {line.get_xdata()[0] for line in lines if line not in labels} == {6.0}
    assert (len(lines) - len(labels), len(labels)) == (len(fig.axes), 1)
    assert labels[0].get_text() == "load ends" and labels[0].axes is fig.axes[0]


def test_a_count_that_stays_zero_gets_a_zero_to_one_axis(tmp_path: Path) -> None:
    """Nobody waited: the waiting axis runs 0 to 1 in whole numbers, not 0.000 to 0.045."""
    data = load_variant(write_variant(tmp_path / "calm", [sample(float(t), 1, 3, 0) for t in range(8)], [],
                                      [{"t_s": 0.0, "event": "load.start"}]))
    fig = pool_figure(Series("calm", data, variant_summary(data)))
    fig.canvas.draw()
    waiting = fig.axes[1]
    assert waiting.get_ylim() == (0.0, 1.0)
    assert all(float(t).is_integer() for t in waiting.get_yticks())


def test_pool_chart_marks_exhaustion_and_recovery(tmp_path: Path) -> None:
    """The markers sit at exhausted_at_s (2.5) and recovered_at_s (5.5); max_size is drawn at 4."""
    fig = pool_figure(make(tmp_path))
    ex, rec = by_gid(fig, "marker-exhausted")[0], by_gid(fig, "marker-recovered")[0]
    max_line = by_gid(fig, "max_size")[0]
    assert (ex.xy[0], rec.xy[0], max_line.get_ydata()[0]) == (2.5, 5.5, 4.0)
    assert {"active", "idle", "server-sleep", "server-query", "zombies", "waiting"} <= {
        a.get_gid() for a in fig.findobj() if a.get_gid()}


def test_latency_chart_is_log_with_the_acquire_timeout(tmp_path: Path) -> None:
    """p50/p95/p99/max lines on a log axis; the 1 s acquire timeout as a line at 1000 ms."""
    fig = latency_figure(make(tmp_path))
    ax: Axes = fig.axes[0]
    assert ("log", {"latency-p50", "latency-p95", "latency-p99", "latency-max"}) == (
        ax.get_yscale(), {a.get_gid() for a in by_gid(fig, "latency-")})
    assert by_gid(fig, "acquire-timeout-0")[0].get_ydata()[0] == 1000.0


def test_outcome_chart_has_each_class(tmp_path: Path) -> None:
    """Offered and achieved rates; pool_timeout, connection_lost and aborted each their own area."""
    fig = outcomes_figure(make(tmp_path))
    gids = {a.get_gid() for a in fig.findobj() if a.get_gid()}
    assert {"offered", "achieved", "outcome-pool_timeout", "outcome-connection_lost", "outcome-aborted"} <= gids


def test_mysql_chart_limit_line_or_note(tmp_path: Path) -> None:
    """Near the limit (peak 24 of 30) the limit is a line; far below it (0 of 16382), a note says where it is."""
    near, far = mysql_figure(make(tmp_path, "bug")), mysql_figure(make(tmp_path, "fixed"))
    assert (len(by_gid(near, "max-prepared-stmt-count")), len(by_gid(near, "limit-off-scale"))) == (1, 0)
    assert (len(by_gid(far, "max-prepared-stmt-count")), len(by_gid(far, "limit-off-scale"))) == (0, 1)


def test_health_strip_one_row_per_variant(tmp_path: Path) -> None:
    """A row per variant; the failed check of the bug variant is one dead span."""
    fig = health_figure([make(tmp_path, "bug"), make(tmp_path, "fixed")])
    dead = by_gid(fig.axes[0], "health-dead")[0]
    assert (len(fig.axes), len(dead.get_paths())) == (2, 1)


@pytest.mark.parametrize("draw", [pool_compare_figure, latency_compare_figure, outcomes_compare_figure])
def test_overlays_have_one_line_per_variant(tmp_path: Path, draw: Any) -> None:
    """Two variants: exactly two variant lines, and the reference variant's one fault band per axis."""
    fig = draw([make(tmp_path, "bug"), make(tmp_path, "fixed")])
    assert sorted(a.get_gid() for a in by_gid(fig, "variant-")) == ["variant-bug", "variant-fixed"]
    assert [1] * len(fig.axes) == bands_per_axis(fig)


def test_multiples_a_column_per_variant_with_its_own_bands(tmp_path: Path) -> None:
    """Three rows by two columns; every panel shades its own variant's fault window."""
    fig = multiples_figure([make(tmp_path, "bug"), make(tmp_path, "fixed")])
    assert (len(fig.axes), bands_per_axis(fig)) == (6, [1] * 6)


def test_alignment_moves_lines_and_bands(tmp_path: Path) -> None:
    """Aligned at the latency fault: the band starts at 0 and the exhaustion marker moves with it."""
    one = align([make(tmp_path)], "latency")[0]
    fig = pool_figure(one)
    band = by_gid(fig.axes[0], "fault-band-0")[0]
    assert (band_x(band)[0], by_gid(fig, "marker-exhausted")[0].xy[0]) == (0.0, 0.5)


def test_every_chart_as_png_and_svg(tmp_path: Path) -> None:
    """Two variants: the overlays, four charts per variant and the health strips, each as PNG and SVG."""
    charts = write_charts(tmp_path / "out", [make(tmp_path, "bug"), make(tmp_path, "fixed")])
    stems = [c.stem for c in charts]
    assert stems == ["pool-compare", "latency-compare", "outcomes-compare", "mysql-compare", "multiples", "pool-bug",
                     "latency-bug", "outcomes-bug", "mysql-bug", "pool-fixed", "latency-fixed", "outcomes-fixed",
                     "mysql-fixed", "health"]
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == sorted(f"{s}.{ext}" for s in stems for ext in ("png", "svg"))
    assert all(p.stat().st_size > 1000 for p in (tmp_path / "out").iterdir())


def test_one_variant_has_no_overlays(tmp_path: Path) -> None:
    """A single variant: nothing to overlay, so no comparison charts."""
    charts = write_charts(tmp_path / "out", [make(tmp_path, "bug")])
    assert [c.stem for c in charts] == ["pool-bug", "latency-bug", "outcomes-bug", "mysql-bug", "health"]


def test_an_empty_variant_still_draws(tmp_path: Path) -> None:
    """Nothing recorded (killed at start): every chart is drawn, empty, rather than crashing the report."""
    data = load_variant(write_variant(tmp_path / "empty", [], [], []))
    charts = write_charts(tmp_path / "out", [Series("empty", data, variant_summary(data))])
    assert len(charts) == 5


def test_any_other_event_gets_a_line(tmp_path: Path) -> None:
    """An event the charts have never heard of (an app freeze and thaw) is marked; routine steps are not."""
    events = [{"t_s": -2.0, "event": "stack.ready"}, {"t_s": 0.0, "event": "load.start"},
              {"t_s": 3.0, "event": "app.freeze"}, {"t_s": 4.5, "event": "app.thaw"},
              {"t_s": 8.0, "event": "load.stop"}, {"t_s": 9.0, "event": "drain.end"}]
    data = load_variant(write_variant(tmp_path / "f", [sample(float(t), 1, 3, 0) for t in range(10)], [], events))
    fig = latency_figure(Series("f", data, variant_summary(data)))
    marked = sorted((a.get_gid(), a.get_xdata()[0]) for a in by_gid(fig, "event-"))
    assert marked == [("event-app.freeze", 3.0), ("event-app.thaw", 4.5)]


def test_multiples_failed_row_leaves_out_aborted_requests(tmp_path: Path) -> None:
    """Requests aborted by their own client are not failures: a run with only ok and aborted plots zero failed."""
    requests = [(t / 4, "query", 3.0, "ok", "") for t in range(32)]
    requests += [(t / 2, "aborted", 1.0, "aborted", "aborted") for t in range(16)]
    vdir = write_variant(tmp_path / "aborts", [sample(float(t), 1, 3, 0) for t in range(9)], requests,
                         [{"t_s": 0.0, "event": "load.start"}, {"t_s": 8.0, "event": "load.stop"}])
    data = load_variant(vdir)
    fig = multiples_figure([Series("aborts", data, variant_summary(data))])
    from matplotlib.patches import StepPatch

    stairs = [p for p in fig.axes[2].patches if isinstance(p, StepPatch)]
    plotted = [float(v) for p in stairs for v in p.get_data().values]
    assert len(stairs) == 1 and plotted and max(plotted) == 0


def test_mysql_compare_one_line_per_variant_and_the_limit(tmp_path: Path) -> None:
    """Overlaid MySQL chart: a connections line and a prepared-statements line per variant, bands on both axes."""
    from harness.plots.mysql import mysql_compare_figure

    fig = mysql_compare_figure([make(tmp_path, "bug"), make(tmp_path, "fixed")])
    assert [len(by_gid(fig, "variant-")), len(by_gid(fig, "prepared-"))] == [2, 2]
    assert bands_per_axis(fig) == [1, 1]
