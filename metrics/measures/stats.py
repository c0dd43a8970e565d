"""Statistics shared by the measures, from SciPy rather than hand-rolled formulas."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from metrics.policy.settings import settings


def wilson_interval(successes: int, trials: int, confidence: float | None = None) -> tuple[float | None, float | None]:
    """The Wilson score interval of successes/trials; (None, None) when there are no trials."""
    from scipy import stats  # imported when used: a command that names measures need not load it
    if trials == 0:
        return None, None
    interval = stats.binomtest(int(successes), int(trials)).proportion_ci(
        confidence_level=confidence or settings().confidence_level, method="wilson"
    )
    return float(interval.low), float(interval.high)


def with_rate(frame: pl.DataFrame, successes: str, trials: str, rate: str,
              confidence: float | None = None) -> pl.DataFrame:
    """Add ``rate`` = successes/trials with its Wilson interval (``ci_low``, ``ci_high``).

    A rate whose denominator is 0 is null, and so are its bounds. The bounds are the Wilson
    score interval of :func:`wilson_interval`, computed for all rows at once: SciPy's
    ``binomtest`` also computes a p-value per row, a millisecond each, which a month-by-staff
    table cannot afford. The tests check both give the same bounds.
    """
    from scipy import stats  # imported when used: a command that names measures need not load it
    z = stats.norm.ppf(0.5 + (confidence or settings().confidence_level) / 2)
    k = frame[successes].cast(pl.Float64).to_numpy()
    n = frame[trials].cast(pl.Float64).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        share = k / n
        denominator = 1 + z**2 / n
        centre = (share + z**2 / (2 * n)) / denominator
        half_width = z * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2)) / denominator
    valid = n > 0
    return frame.with_columns(
        pl.when(pl.col(trials) > 0).then(pl.col(successes) / pl.col(trials)).alias(rate),
        pl.Series("ci_low", np.where(valid, np.clip(centre - half_width, 0, 1), np.nan)).fill_nan(None),
        pl.Series("ci_high", np.where(valid, np.clip(centre + half_width, 0, 1), np.nan)).fill_nan(None),
    )


def survival_quantile(times: np.ndarray, observed: np.ndarray, share_left: float) -> float | None:
    """Smallest time at which the Kaplan–Meier share not yet reached falls to ``share_left`` or below.

    ``observed`` marks events; the other times are right-censored. None when the curve never
    falls that far (or there are no times).
    """
    curve = kaplan_meier(times, observed)
    if curve is None:
        return None
    reached = curve["time"][curve["share_left"] <= share_left + 1e-12]
    return float(reached[0]) if reached.size else None


def kaplan_meier(times: np.ndarray, observed: np.ndarray) -> dict[str, np.ndarray] | None:
    """The Kaplan–Meier step function: at each distinct time, the share still without the event."""
    from scipy import stats  # imported when used: a command that names measures need not load it
    times = np.asarray(times, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if times.size == 0 or not observed.any():
        return None
    data = stats.CensoredData(uncensored=times[observed], right=times[~observed])
    sf = stats.ecdf(data).sf
    return {"time": np.asarray(sf.quantiles), "share_left": np.asarray(sf.probabilities)}


def funnel_limits(overall_rate: float, volumes: np.ndarray, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper control limits of a funnel plot for a proportion, at each volume.

    Exact binomial limits with the interpolation of Spiegelhalter (2005, "Funnel plots for
    comparing institutional performance"), so that small volumes get honest, wide limits.
    ``coverage`` is e.g. 0.95 or 0.998.
    """
    volumes = np.asarray(volumes, dtype=float)
    tail = (1 - coverage) / 2
    return (_binomial_limit(tail, volumes, overall_rate), _binomial_limit(1 - tail, volumes, overall_rate))


def _binomial_limit(probability: float, volumes: np.ndarray, rate: float) -> np.ndarray:
    from scipy import stats  # imported when used: a command that names measures need not load it
    quantile = stats.binom.ppf(probability, volumes, rate)
    at = stats.binom.cdf(quantile, volumes, rate)
    below = stats.binom.cdf(quantile - 1, volumes, rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(at > below, (at - probability) / (at - below), 0.0)
        limit: npt.NDArray[np.float64] = (quantile - alpha) / volumes
    return np.clip(limit, 0.0, 1.0)


def p_chart_limits(center: float, trials: np.ndarray, sigmas: float = 3.0) -> tuple[np.ndarray, np.ndarray]:
    """Shewhart p-chart limits around ``center`` for each subgroup size (clipped to [0, 1])."""
    trials = np.asarray(trials, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = sigmas * np.sqrt(center * (1 - center) / trials)
    return np.clip(center - spread, 0.0, 1.0), np.clip(center + spread, 0.0, 1.0)
