package io.coedge.scheduler.node;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OverloadSignalTest {

    /** {@code n} arrivals, every {@code every}-th of them hopeless (0: none). */
    private static void feed(OverloadSignal s, int n, int every) {
        for (int i = 1; i <= n; i++) {
            s.arrived();
            if (every > 0 && i % every == 0) {
                s.hopeless();
            }
        }
    }

    @Test
    void aNodeStartsKeepingUp() {
        assertThat(new OverloadSignal().overloaded()).isFalse();
    }

    @Test
    void aSteadyShareOfHopelessFramesAboveTenPercentIsOverload() {
        OverloadSignal s = new OverloadSignal();
        feed(s, 1_000, 5); // 20%

        assertThat(s.overloaded()).isTrue();
        assertThat(s.share()).isBetween(0.15, 0.25);
    }

    @Test
    void aSteadyShareOfAFewPercentIsNot() {
        OverloadSignal s = new OverloadSignal();
        feed(s, 5_000, 25); // 4%

        assertThat(s.overloaded()).isFalse();
    }

    @Test
    void betweenTheThresholdsTheStateStaysAsItWas() {
        OverloadSignal up = new OverloadSignal();
        feed(up, 1_000, 5);
        feed(up, 5_000, 14); // about 7%
        assertThat(up.overloaded()).isTrue();

        OverloadSignal down = new OverloadSignal();
        feed(down, 5_000, 14);
        assertThat(down.overloaded()).isFalse();
    }

    @Test
    void anOverloadedNodeThatStopsSheddingKeepsUpAgain() {
        OverloadSignal s = new OverloadSignal();
        feed(s, 1_000, 5);

        feed(s, 300, 0);

        assertThat(s.overloaded()).isFalse();
        assertThat(s.share()).isLessThan(OverloadSignal.LEAVE);
    }
}
