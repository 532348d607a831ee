package io.coedge.operators.batch;

import io.coedge.scheduler.batch.ModelQueues;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * One node's per-model queues, each ordered by deadline (then arrival, then frame id), as the
 * batch policy reads them. The in-memory index over the batcher's keyed state.
 */
final class NodeQueues implements ModelQueues {
  private static final Comparator<QueuedFrame> ORDER =
      Comparator.comparingLong(QueuedFrame::deadlineMicros)
          .thenComparingLong(QueuedFrame::arrivalMicros)
          .thenComparing(QueuedFrame::id);

  private final List<TreeSet<QueuedFrame>> queues = new ArrayList<>();

  NodeQueues(int models) {
    for (int m = 0; m < models; m++) {
      queues.add(new TreeSet<>(ORDER));
    }
  }

  void add(int model, QueuedFrame frame) {
    queues.get(model).add(frame);
  }

  /** Removes and returns the first {@code n} frames of {@code model}'s queue, earliest deadline first. */
  List<QueuedFrame> take(int model, int n) {
    List<QueuedFrame> out = new ArrayList<>(n);
    TreeSet<QueuedFrame> q = queues.get(model);
    while (out.size() < n && !q.isEmpty()) {
      out.add(q.pollFirst());
    }
    return out;
  }

  int total() {
    int n = 0;
    for (TreeSet<QueuedFrame> q : queues) {
      n += q.size();
    }
    return n;
  }

  @Override
  public int modelCount() {
    return queues.size();
  }

  @Override
  public int size(int model) {
    return queues.get(model).size();
  }

  @Override
  public long headDeadline(int model) {
    return queues.get(model).first().deadlineMicros();
  }

  @Override
  public long headArrival(int model) {
    return queues.get(model).first().arrivalMicros();
  }
}
