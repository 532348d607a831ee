package io.coedge.operators.batch;

import io.coedge.scheduler.model.Clock;
import io.coedge.scheduler.model.LatencyProfile;
import java.util.NavigableMap;

/**
 * What one model costs this node end to end per batch size — pre-processing, the sidecar call,
 * post-processing — as the batch policy must plan with it. Starts from the sidecar's profile plus
 * an overhead allowance, then follows observed completions: per batch size the highest of the
 * last {@value #WINDOW} runs (Clockwork keeps the p99 of the last ten; with ten samples that is
 * the maximum), counting only runs younger than {@code maxAgeMicros}.
 *
 * <p>The age bound matters: a batch size whose estimate exceeds every deadline is never run
 * again, so without it one slow run (a hiccup of a shared CPU) would be remembered for ever and
 * its model shed for good. Old observations give way to the sidecar's own profile, which the
 * sidecar keeps current.
 */
final class BatchLatencies {
  static final int WINDOW = 10;

  private final int maxBatch;
  private final long[][] recent;
  private final long[][] recordedAt;
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
    this.recent = new long[maxBatch + 1][WINDOW];
    this.recordedAt = new long[maxBatch + 1][WINDOW];
    this.count = new int[maxBatch + 1];
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

  boolean known() {
    return sidecarMicros != null;
  }

  /** One observed run of a batch of {@code batch} frames, start to results. */
  void observe(int batch, long micros) {
    if (batch < 1 || batch > maxBatch) {
      return;
    }
    int slot = count[batch] % WINDOW;
    recent[batch][slot] = micros;
    recordedAt[batch][slot] = clock.nowMicros();
    count[batch]++;
  }

  /** Estimated cost of a batch of {@code b}: the recent observed high percentile, else sidecar + allowance. */
  long estimate(int b) {
    long oldest = clock.nowMicros() - maxAgeMicros;
    long max = -1;
    for (int i = 0; i < Math.min(count[b], WINDOW); i++) {
      if (recordedAt[b][i] >= oldest) {
        max = Math.max(max, recent[b][i]);
      }
    }
    if (max >= 0) {
      return max;
    }
    long sidecar = sidecarMicros == null ? 1_000_000L * b : sidecarMicros[b];
    return sidecar + overheadMicros + perFrameMicros * b;
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
