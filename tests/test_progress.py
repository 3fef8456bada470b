"""The progress hook: a listener hears reports inside its block only."""

from detente.progress import listening, report


def test_listener_hears_reports_clamped_and_only_inside_its_block() -> None:
    heard: list[tuple[float, str]] = []
    report(0.5, "nobody listens")
    with listening(lambda share, label: heard.append((share, label))):
        report(0.25, "round 1")
        report(1.5, "past the end")
        with listening(None):
            report(0.75, "muted")
    report(0.9, "after")
    assert heard == [(0.25, "round 1"), (1.0, "past the end")]
