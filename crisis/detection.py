"""Is this a storm? A pure decision on per-minute mention counters (no database, no clock).

Inputs are minute buckets (mentions, negative mentions, summed authors' reach) for one watch topic
(or the organization overall), filled at ingestion. Three signals:

**Volume.** Social traffic has a strong weekly rhythm (nights are quiet, Monday mornings busy), so
"normal" for a minute is learned from the *same hour of the week* in past weeks: the 60 minute
counts of that hour in each of up to `LOOKBACK_WEEKS` past weeks. Their median is the expected
count and their MAD (median absolute deviation, x 1.4826 to be comparable to a standard deviation)
the spread. Median and MAD ignore a past storm in the samples, where a mean and standard deviation
would learn it as normal. The spread has floors: Poisson noise, `sqrt` of the samples' upper
decile (median + 1.28 MAD-sigma) rather than of the median (traffic ramps within an hour: at 07:50 it is twice 07:00's), since
a flat history has MAD 0; and `MIN_SPREAD`; and a spike needs at least `MIN_SPIKE` mentions in the minute, so a quiet
night going from 0 to 3 mentions pages nobody. A minute is a spike when its count exceeds
`median + SPIKE_K x spread x sensitivity`. The minute being filled counts too (a storm of 300 a
minute crosses the line within seconds, which is what detection within 60 s needs); comparing a
partial minute with a full minute's threshold only makes it more careful.

While history is short (fewer than `MIN_WEEKS` weeks of counters: a new organization, the demo),
the baseline falls back to the previous `FALLBACK_MINUTES` minutes of the stream itself, same
median and MAD: it knows no weekly rhythm yet but still sees a jump.

**Negative share.** The share of negative mentions over the last `SHARE_WINDOW` minutes against
the share over the baseline samples (ratio of sums). A surge when the share is above the baseline by
`max(SHARE_MIN_DELTA, SHARE_Z x binomial standard error) x sensitivity` and the window holds at
least `SHARE_MIN_MENTIONS` mentions (a share of 3 out of 4 means nothing). A slow rise of anger is
caught by the share well before it would show as volume: with the default constants and ~6
mentions a minute (180 in the window), a baseline share p = 0.2 is flagged at about p + 0.14,
before it doubles; a much lower share doubling is too small a change to tell from noise, and is
flagged at p + margin instead. The window is long and the z high because the normal
approximation of a binomial is generous on small counts (a 30-minute window of a quiet morning
would otherwise raise false alarms).

**Reach.** The authors' summed reach per minute, against its own median + MAD baseline: a spike
whose reach is also abnormal (famous accounts joining in) is critical, otherwise high.

**Re-share velocity.** Where the platform counts re-shares (X retweets and quotes, Mastodon boosts),
the re-shares counted on the minute's mentions, against their own median + MAD baseline from the same
samples as the volume. One viral post can spread a storm before the mentions pile up in the inbox:
a few angry posts each re-shared thousands of times. Re-share counts are heavy-tailed (most posts 0,
a few hundreds), so median and MAD are mostly 0 and say little: a surge also needs `MIN_RESHARE_SURGE`
re-shares in the minute and `RESHARE_RATIO` times the samples' 95th percentile (`reshares_high`). That
quantile is what "a busy ordinary minute" means for this account: a large brand whose mentions often
carry a post re-shared a few hundred times learns it, and a storm filling fewer than one sample in
twenty (three minutes of that hour in four weeks) does not move it. Platforms without counts add 0,
so the signal stays quiet there rather than guessing.

`sensitivity` is the organization's multiplier on thresholds: 2.0 needs twice the deviation (fewer
alerts), 0.5 half of it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median

LOOKBACK_WEEKS = 4
MIN_WEEKS = 1
FALLBACK_MINUTES = 60
SPIKE_K = 6.0
MIN_SPREAD = 1.0
MIN_SPIKE = 10
MAD_TO_SIGMA = 1.4826
SHARE_WINDOW = 30
SHARE_MIN_DELTA = 0.12
SHARE_Z = 4.5
SHARE_MIN_MENTIONS = 60
REACH_K = 6.0
RESHARE_K = 6.0
MIN_RESHARE_SURGE = 200
RESHARE_RATIO = 3.0


@dataclass(frozen=True)
class Minute:
    mentions: int = 0
    negative: int = 0
    reach: int = 0
    reshares: int = 0


@dataclass(frozen=True)
class Baseline:
    expected: float
    spread: float
    negative_share: float
    reach_expected: float
    reach_spread: float
    seasonal: bool  # learned from past weeks (False: the fallback on the recent stream)
    reshares_expected: float = 0.0
    reshares_spread: float = MIN_SPREAD
    reshares_high: float = 0.0  # the samples' 95th percentile


@dataclass(frozen=True)
class Verdict:
    spike: bool
    surge: bool
    critical: bool
    mentions: int  # in the minute judged
    threshold: float
    negative_share: float  # over the share window
    baseline: Baseline
    reshare_surge: bool = False
    reshares: int = 0  # re-shares counted on the minute judged
    reshare_threshold: float = 0.0


def _robust(values: Sequence[float]) -> tuple[float, float, float]:
    """Median, MAD as a standard deviation, upper decile estimated from both."""
    if not values:
        return 0.0, 0.0, 0.0
    middle = median(values)
    sigma = MAD_TO_SIGMA * median(abs(v - middle) for v in values)
    # A robust upper decile (a raw one would learn a past storm filling a tenth of the samples).
    return middle, sigma, middle + 1.2816 * sigma


def baseline(*, history: Sequence[Sequence[Minute]], recent: Sequence[Minute]) -> Baseline:
    """`history`: for each past week with counters, the 60 minutes of this hour of the week
    (missing minutes as empty Minutes). `recent`: the stream's previous minutes, oldest first."""
    weeks = [week for week in history[:LOOKBACK_WEEKS] if week]
    seasonal = len(weeks) >= MIN_WEEKS
    samples = [minute for week in weeks for minute in week] if seasonal else list(recent[-FALLBACK_MINUTES:])
    expected, spread, upper = _robust([m.mentions for m in samples])
    reach_expected, reach_spread, reach_upper = _robust([m.reach for m in samples])
    reshares = sorted(m.reshares for m in samples)
    reshares_expected, reshares_spread, _upper = _robust(reshares)
    reshares_high = reshares[int(0.95 * (len(reshares) - 1))] if reshares else 0
    total = sum(m.mentions for m in samples)
    share = sum(m.negative for m in samples) / total if total else 0.0
    return Baseline(expected=expected, spread=max(spread, math.sqrt(upper), MIN_SPREAD), negative_share=share,
                    reach_expected=reach_expected, reach_spread=max(reach_spread, math.sqrt(reach_upper), MIN_SPREAD),
                    seasonal=seasonal, reshares_expected=reshares_expected,
                    reshares_spread=max(reshares_spread, MIN_SPREAD), reshares_high=reshares_high)


def evaluate(*, current: Minute, recent: Sequence[Minute], history: Sequence[Sequence[Minute]],
             sensitivity: float = 1.0) -> Verdict:
    """Judge the minute being filled (`current`), `recent` being the minutes before it, oldest first."""
    sensitivity = max(sensitivity, 0.1)
    base = baseline(history=history, recent=recent)
    threshold = max(base.expected + SPIKE_K * base.spread * sensitivity, MIN_SPIKE)
    spike = current.mentions >= threshold
    critical = spike and current.reach > base.reach_expected + REACH_K * base.reach_spread * sensitivity

    window = [*recent[-(SHARE_WINDOW - 1):], current]
    mentions = sum(m.mentions for m in window)
    share = sum(m.negative for m in window) / mentions if mentions else 0.0
    p = base.negative_share
    margin = max(SHARE_MIN_DELTA, SHARE_Z * math.sqrt(max(p * (1 - p), 0.01) / max(mentions, 1))) * sensitivity
    surge = mentions >= SHARE_MIN_MENTIONS and share >= p + margin

    reshare_threshold = max(base.reshares_expected + RESHARE_K * base.reshares_spread * sensitivity,
                            RESHARE_RATIO * base.reshares_high * sensitivity, MIN_RESHARE_SURGE * sensitivity)
    return Verdict(spike=spike, surge=surge, critical=critical, mentions=current.mentions, threshold=threshold,
                   negative_share=share, baseline=base, reshare_surge=current.reshares >= reshare_threshold,
                   reshares=current.reshares, reshare_threshold=reshare_threshold)
