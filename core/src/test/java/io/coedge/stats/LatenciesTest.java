package io.coedge.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LatenciesTest {

    private static Latencies of(long... values) {
        Latencies l = new Latencies();
        for (long v : values) {
            l.record(v);
        }
        return l;
    }

    @Test
    void percentilesUseNearestRank() {
        Latencies l = new Latencies();
        for (int i = 1; i <= 100; i++) {
            l.record(i);
        }

        assertThat(l.percentile(0.50)).isEqualTo(50);
        assertThat(l.percentile(0.95)).isEqualTo(95);
        assertThat(l.percentile(0.99)).isEqualTo(99);
        assertThat(l.percentile(0)).isEqualTo(1);
        assertThat(l.percentile(1)).isEqualTo(100);
        assertThat(of(20, 400, 100, 200).percentile(0.5))
                .as("the lower of the middle two")
                .isEqualTo(100);
    }

    @Test
    void emptyIsZero() {
        Latencies l = new Latencies();

        assertThat(l.count()).isZero();
        assertThat(l.percentile(0.5)).isZero();
        assertThat(l.max()).isZero();
        assertThat(l.min()).isZero();
        assertThat(l.fractionAtOrBelow(10)).isZero();
    }

    @Test
    void exactBelow2048UnitsAndWithinATenthOfAPercentAbove() {
        Latencies l = of(2047, 123_456_789, 123_456_789, 5_000_000_000L);

        assertThat(l.percentile(0.25)).isEqualTo(2047);
        assertThat(l.percentile(0.5)).isBetween(123_456_789L, 123_580_245L); // within 0.1% above
        assertThat(l.percentile(0.5))
                .isNotEqualTo(123_456_789L); // read back as its range's highest value
        assertThat(l.max()).as("kept exactly").isEqualTo(5_000_000_000L);
        assertThat(l.percentile(1))
                .as("never above the largest value recorded")
                .isEqualTo(5_000_000_000L);
    }

    @Test
    void negativeValuesCountAsZero() {
        Latencies l = of(-5, 10);

        assertThat(l.min()).isZero();
        assertThat(l.percentile(0.5)).isZero();
        assertThat(l.count()).isEqualTo(2);
    }

    @Test
    void addMergesAndEqualsComparesTheValues() {
        Latencies a = of(1, 5, 300_000);
        Latencies b = of(7, 9);
        a.add(b);

        assertThat(a).isEqualTo(of(300_000, 9, 7, 5, 1)).hasSameHashCodeAs(of(1, 5, 7, 9, 300_000));
        assertThat(a).isNotEqualTo(of(1, 5, 7, 9, 300_001));
        assertThat(a.min()).isEqualTo(1);
        assertThat(a.max()).isEqualTo(300_000);
        assertThat(a.percentile(0.5)).isEqualTo(7);
    }

    @Test
    void fractionAtOrBelow() {
        Latencies l = of(10, 20, 30, 40);

        assertThat(l.fractionAtOrBelow(9)).isZero();
        assertThat(l.fractionAtOrBelow(10)).isEqualTo(0.25);
        assertThat(l.fractionAtOrBelow(35)).isEqualTo(0.75);
        assertThat(l.fractionAtOrBelow(40)).isEqualTo(1.0);
        assertThat(l.fractionAtOrBelow(Long.MAX_VALUE)).isEqualTo(1.0);
    }
}
