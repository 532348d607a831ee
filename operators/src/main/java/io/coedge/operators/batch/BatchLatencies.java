package io.coedge.operators.batch;

import io.coedge.scheduler.model.Clock;
import io.coedge.scheduler.model.LatencyProfile;
import java.util.NavigableMap;

/**
 * What one model costs this node end to end per batch size — pre-processing, the sidecar call,
 * post-processing — as the batch policy must plan with it: the sidecar's compute profile (the p99
 * of its last ten runs per batch size, as Clockwork keeps it) plus this node's overhead around
 * the call, the median of what the last {@value #WINDOW} runs took beyond the sidecar's profile.
 * Before the sidecar has reported or any run was observed, fixed allowances stand in.
 *
 * <p>Why not the highest end-to-end time of recent runs: on a shared CPU one slow run is far above
 * the typical one, and the policy sheds every frame whose deadline the estimate says it cannot
 * meet; the compute variance is already in the sidecar's p99, and the overhead is steady enough
 * for a median. Observations older than {@code maxAgeMicros} no longer count, so the overhead
 * follows the node's present load.
 *
 * <p>Besides this pessimistic estimate, a typical one ({@link #typical}): what a batch usually takes
 * end to end, the sidecar's p99 scaled by the median ratio of the recent runs to it (a contended CPU
 * slows every batch size alike), never above the pessimistic estimate. The batcher predicts when the
 * running batch typically ends with it, and the policy sheds only frames that miss even then: on a
 * shared CPU a batch typically ends far earlier than its p99 says. Without fresh observations the
 * typical estimate is the pessimistic one.
 */
final class BatchLatencies {
  static final int WINDOW = 10;

  private final int maxBatch;
  private final long[][] recent;
  private final long[][] recordedAt;
  /** Each recent run's time over the sidecar's p99 for its batch size. */
  private final double[] ratios;
  private final int[] count;
  private long[] sidecarMicros;
  private final long overheadMicros;
  private final long perFrameMicros;
  private final long maxAgeMicros;
  private final Clock clock;

  /**
   * @param overheadMicros allowance per batch for the call and emitting results
   * @param perFrameMicros allowance per frame for pre- and post-processing before observations exist
   * @param maxAgeMicros observations older than this no longer count
   */
  BatchLatencies(int maxBatch, long overheadMicros, long perFrameMicros, long maxAgeMicros, Clock clock) {
    this.maxBatch = maxBatch;
    // One window of overheads for the whole model (slot 0): how much longer than the sidecar's
    // profile a run took does not depend much on the batch size.
    this.recent = new long[1][WINDOW];
    this.recordedAt = new long[1][WINDOW];
    this.ratios = new double[WINDOW];
    this.count = new int[1];
    this.overheadMicros = overheadMicros;
    this.perFrameMicros = perFrameMicros;
    this.maxAgeMicros = maxAgeMicros;
    this.clock = clock;
  }

  /** The sidecar's latest measured latencies (p99 by batch size). */
  void sidecar(NavigableMap<Integer, Long> p99ByBatch) {
    if (p99ByBatch.isEmpty() || p99ByBatch.firstKey() != 1) {
      return;
    }
    long[] dense = new long[maxBatch + 1];
    for (int b = 1; b <= maxBatch; b++) {
      var floor = p99ByBatch.floorEntry(b);
      var ceil = p99ByBatch.ceilingEntry(b);
      if (ceil == null) {
        // Beyond what was measured: extrapolate per frame from the largest size.
        dense[b] = Math.round((double) floor.getValue() * b / floor.getKey());
      } else if (floor.getKey().equals(ceil.getKey())) {
        dense[b] = ceil.getValue();
      } else {
        double f = (double) (b - floor.getKey()) / (ceil.getKey() - floor.getKey());
        dense[b] = Math.round(floor.getValue() + f * (ceil.getValue() - floor.getValue()));
      }
    }
    sidecarMicros = dense;
  }

  /** One observed run of a batch of {@code batch} frames, start to results. */
  void observe(int batch, long micros) {
    if (batch < 1 || batch > maxBatch || sidecarMicros == null) {
      return; // the overhead is measured against the sidecar's profile
    }
    long excess = micros - sidecarMicros[batch];
    int slot = count[0] % WINDOW;
    recent[0][slot] = excess;
    ratios[slot] = (double) micros / sidecarMicros[batch];
    recordedAt[0][slot] = clock.nowMicros();
    count[0]++;
  }

  /** Estimated cost of a batch of {@code b}: the sidecar's p99 plus the node's recent overhead. */
  long estimate(int b) {
    long oldest = clock.nowMicros() - maxAgeMicros;
    long[] fresh = new long[WINDOW];
    int n = 0;
    for (int i = 0; i < Math.min(count[0], WINDOW); i++) {
      if (recordedAt[0][i] >= oldest) {
        fresh[n++] = recent[0][i];
      }
    }
    if (sidecarMicros == null) {
      return 1_000_000L * b;
    }
    long overhead = overheadMicros + perFrameMicros * b;
    if (n > 0) {
      java.util.Arrays.sort(fresh, 0, n);
      overhead = Math.max(0, fresh[n / 2]);
    }
    return sidecarMicros[b] + overhead;
  }

  /**
   * Typical cost of a batch of {@code b}, end to end: the sidecar's p99 times the median ratio of the
   * recent runs (within the age bound) to the p99 of their size, at most {@link #estimate}; the
   * estimate itself until the sidecar has reported and a run was observed.
   */
  long typical(int b) {
    long pessimistic = estimate(b);
    if (sidecarMicros == null) {
      return pessimistic;
    }
    long oldest = clock.nowMicros() - maxAgeMicros;
    double[] fresh = new double[WINDOW];
    int n = 0;
    for (int i = 0; i < Math.min(count[0], WINDOW); i++) {
      if (recordedAt[0][i] >= oldest) {
        fresh[n++] = ratios[i];
      }
    }
    if (n == 0) {
      return pessimistic;
    }
    java.util.Arrays.sort(fresh, 0, n);
    return Math.max(1, Math.min(pessimistic, Math.round(sidecarMicros[b] * fresh[n / 2])));
  }

  /** The part of {@link #estimate} spent around the sidecar's compute: pre-processing, the call, results. */
  long overhead(int b) {
    return sidecarMicros == null ? overheadMicros + perFrameMicros * b : Math.max(0, estimate(b) - sidecarMicros[b]);
  }

  /** A monotone profile over 1..maxBatch for the policy. */
  LatencyProfile profile() {
    int[] sizes = new int[maxBatch];
    long[] micros = new long[maxBatch];
    long floor = 1;
    for (int b = 1; b <= maxBatch; b++) {
      sizes[b - 1] = b;
      floor = Math.max(floor, estimate(b));
      micros[b - 1] = floor;
    }
    return LatencyProfile.of(sizes, micros);
  }

  /** Latencies at the given sizes, for the node's published status. */
  long[] publishedMicros(int[] sizes) {
    long[] out = new long[sizes.length];
    LatencyProfile p = profile();
    for (int i = 0; i < sizes.length; i++) {
      out[i] = p.latencyMicros(sizes[i]);
    }
    return out;
  }
}
