package io.coedge.stats;

/** Nearest-rank percentiles of sorted samples. */
public final class Percentiles {
  private Percentiles() {}

  /** The nearest-rank {@code q} quantile (0..1) of {@code sorted}; 0 when empty. */
  public static long percentile(long[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }
}
