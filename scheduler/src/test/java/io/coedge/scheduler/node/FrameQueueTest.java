package io.coedge.scheduler.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The deadline heap's earliest entries, read without taking them. */
class FrameQueueTest {
    @Test
    void theEarliestDeadlinesComeInOrderWithoutChangingTheQueue() {
        Random random = new Random(11);
        for (int round = 0; round < 200; round++) {
            FrameQueue q = new FrameQueue();
            int n = random.nextInt(40);
            long[] all = new long[n];
            for (int i = 0; i < n; i++) {
                all[i] = random.nextInt(50); // repeats: ties broken by arrival and handle
                q.push(i, all[i], random.nextInt(1000), 100);
            }
            Arrays.sort(all);
            long[] out = new long[1 + random.nextInt(20)];

            int k = q.earliestDeadlines(out);

            assertThat(k).isEqualTo(Math.min(out.length, n));
            assertThat(Arrays.copyOf(out, k)).containsExactly(Arrays.copyOf(all, k));
            assertThat(q.size()).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                assertThat(q.headDeadline()).isEqualTo(all[i]);
                q.pop();
            }
        }
    }

    @Test
    void anEmptyQueueHasNone() {
        assertThat(new FrameQueue().earliestDeadlines(new long[4])).isZero();
    }
}
