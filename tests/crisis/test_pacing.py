"""The per-platform pace of cluster replies: spacing between posts and the documented windows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crisis import pacing

NOW = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)


def test_the_first_post_goes_now_and_the_next_after_the_spacing():
    assert pacing.next_slot("x", [], NOW) == NOW
    assert pacing.next_slot("x", [NOW], NOW) == NOW + pacing.PACES["x"].spacing


def test_a_full_window_waits_until_its_oldest_counted_post_leaves_it():
    window, maximum = pacing.PACES["instagram"].windows[0]
    allowed = int(maximum * pacing.SHARE)
    posts = [NOW - window + timedelta(minutes=1) + timedelta(seconds=20 * n) for n in range(allowed)]
    assert pacing.next_slot("instagram", posts, NOW) == posts[0] + window
    # One post fewer: only the spacing holds it back.
    assert pacing.next_slot("instagram", posts[1:], NOW) == NOW


def test_x_never_exceeds_its_documented_limits_over_three_hours():
    """Posting at every slot for 3 h stays within 80 % of 200 per 15 min and of 300 per 3 h."""
    posts: list[datetime] = []
    at = NOW
    while at < NOW + timedelta(hours=3):
        at = pacing.next_slot("x", posts, at)
        posts.append(at)
        at += timedelta(seconds=1)
    in_window = lambda start, span: sum(start <= p < start + span for p in posts)  # noqa: E731
    assert max(in_window(p, timedelta(minutes=15)) for p in posts) <= 160
    assert max(in_window(p, timedelta(hours=3)) for p in posts) <= 240
    assert all(b - a >= pacing.PACES["x"].spacing for a, b in zip(posts, posts[1:], strict=False))


def test_an_unknown_platform_gets_the_cautious_default_and_scale_zero_means_no_pacing():
    assert pacing.pace_for("myspace") is pacing.DEFAULT_PACE
    assert pacing.next_slot("x", [NOW] * 500, NOW, scale=0) == NOW
