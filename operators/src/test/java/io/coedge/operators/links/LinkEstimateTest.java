package io.coedge.operators.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.coedge.format.NodeStatus.LinkStatus;
import org.junit.jupiter.api.Test;

/** The estimator from two payload sizes, and the median the node publishes. */
class LinkEstimateTest {
    /** Nanoseconds {@code bytes} take on a link of {@code mbps} with a fixed part. */
    private static long nanos(long bytes, double mbps, long fixedMicros) {
        return Math.round(bytes * 8 * 1_000.0 / mbps) + fixedMicros * 1_000;
    }

    @Test
    void twoSizesSeparateThePerByteTimeFromTheFixedPart() {
        var sample =
                LinkEstimate.fromTwoSizes(
                                16_384,
                                nanos(16_384, 4.8, 2_000),
                                131_072,
                                nanos(131_072, 4.8, 2_000))
                        .orElseThrow();

        assertThat(sample.mbps()).isCloseTo(4.8, within(1e-3));
        assertThat(sample.latencyMicros()).isCloseTo(2_000, within(1L));
    }

    @Test
    void aRoundWhoseLargePayloadWasNotSlowerSaysNothing() {
        assertThat(LinkEstimate.fromTwoSizes(16_384, 5_000_000, 131_072, 4_000_000)).isEmpty();
        assertThat(LinkEstimate.fromTwoSizes(16_384, 5_000_000, 131_072, 5_000_000)).isEmpty();
        assertThatThrownBy(() -> LinkEstimate.fromTwoSizes(16_384, 1, 16_384, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theFixedPartIsNeverNegative() {
        // The small payload crossed faster than its share of the per-byte time: latency 0.
        var sample = LinkEstimate.fromTwoSizes(16_384, 1_000, 131_072, 200_000_000).orElseThrow();
        assertThat(sample.latencyMicros()).isZero();
    }

    @Test
    void thePublishedFigureIsTheMedianOfTheLastRoundsSoOneDisturbedRoundDoesNotMoveIt() {
        LinkEstimate e = new LinkEstimate();
        assertThat(e.status()).isNull();
        e.add(new LinkEstimate.Sample(4.8, 100), 1_000);
        e.add(new LinkEstimate.Sample(2.0, 900), 6_000); // a round that shared the link
        e.add(new LinkEstimate.Sample(4.7, 120), 11_000);

        LinkStatus s = e.status();
        assertThat(s.mbps()).isEqualTo(4.7);
        assertThat(s.latencyMicros()).isEqualTo(120);
        assertThat(s.measuredAtMs()).isEqualTo(11_000);
        assertThat(s.samples()).isEqualTo(3);
        assertThat(s.microsPerByte()).isCloseTo(8 / 4.7, within(1e-9));
    }

    @Test
    void aLastingChangeShowsAfterTwoRoundsOfTheWindow() {
        LinkEstimate e = new LinkEstimate();
        for (int i = 0; i < 3; i++) {
            e.add(new LinkEstimate.Sample(9.6, 100), i);
        }
        e.add(new LinkEstimate.Sample(0.96, 100), 3);
        assertThat(e.status().mbps()).isEqualTo(9.6);
        e.add(new LinkEstimate.Sample(0.95, 100), 4);
        assertThat(e.status().mbps()).isEqualTo(0.96);
        assertThat(e.status().samples()).isEqualTo(5);
    }

    @Test
    void aRoundUnderHalfItsMedianAndUnderTwiceWhatIsSentIsShortOfTheLink() {
        LinkEstimate e = new LinkEstimate();
        e.add(new LinkEstimate.Sample(9.6, 100), 0);
        assertThat(e.shortOf(4.8)).as("one round: nothing to compare").isFalse();
        e.add(new LinkEstimate.Sample(9.4, 100), 1);
        e.add(new LinkEstimate.Sample(2.9, 100), 2); // median 9.4: a drop to under half

        assertThat(e.shortOf(4.8)).as("4.8 Mbit/s sent: 2.9 cannot carry it").isTrue();
        assertThat(e.shortOf(1.0)).as("1 Mbit/s sent: 2.9 still carries it").isFalse();
        assertThat(e.shortOf(0)).as("nothing sent").isFalse();

        e.add(new LinkEstimate.Sample(2.8, 100), 3); // median 2.9: the drop is in it now
        assertThat(e.shortOf(4.8)).isFalse();
    }

    @Test
    void aRoundBackOverWhatTheLinkRecentlyCarriedAfterRoundsUnderItIsARise() {
        LinkEstimate e = new LinkEstimate();
        e.add(new LinkEstimate.Sample(2.9, 100), 0);
        assertThat(e.rose(2.6)).as("one round: nothing to compare").isFalse();
        e.add(new LinkEstimate.Sample(0.7, 100), 1);
        e.add(new LinkEstimate.Sample(2.8, 100), 2); // before it: 2.9 and 0.7, median 1.8
        assertThat(e.rose(2.6)).as("2.8 cannot carry twice the 2.6 Mbit/s sent").isFalse();

        e.add(new LinkEstimate.Sample(95, 100), 3); // restored: before it 0.7 and 2.8
        assertThat(e.rose(2.6)).isTrue();
        assertThat(e.rose(0)).as("nothing was sent over it lately").isFalse();
        assertThat(e.rose(0.5)).as("1.75 Mbit/s already carried twice 0.5").isFalse();
        assertThat(e.status().mbps()).as("the median still has two slow rounds").isEqualTo(2.8);

        e.add(new LinkEstimate.Sample(97, 100), 4); // before it: 2.8 and 95
        assertThat(e.rose(2.6)).as("confirmed: the median carries it now").isFalse();
        assertThat(e.status().mbps()).isEqualTo(95);
    }

    @Test
    void aFastLinksScatterNeverRises() {
        // Rounds on a 1 Gbit/s tbf scatter from 1.7 to 11 Gbit/s; frames need a few Mbit/s.
        LinkEstimate e = new LinkEstimate();
        e.add(new LinkEstimate.Sample(1_700, 50), 0);
        e.add(new LinkEstimate.Sample(1_900, 50), 1);
        e.add(new LinkEstimate.Sample(11_000, 50), 2);

        assertThat(e.rose(12)).isFalse();
    }

    @Test
    void aFastLinksScatterIsNeverShortOfWhatItsFramesNeed() {
        // Rounds on a 1 Gbit/s tbf scatter from 1.7 to 11 Gbit/s; frames need a few Mbit/s.
        LinkEstimate e = new LinkEstimate();
        e.add(new LinkEstimate.Sample(11_000, 50), 0);
        e.add(new LinkEstimate.Sample(9_000, 50), 1);
        e.add(new LinkEstimate.Sample(1_700, 50), 2);

        assertThat(e.shortOf(12)).isFalse();
    }

    @Test
    void aRoundThatDidNotFinishBoundsTheLinkByWhatCouldHaveCrossed() {
        var last = new LinkEstimate.Sample(19.16, 800);
        // Warm-up (32 KiB) and small (16 KiB) answered, the large (128 KiB) not, in 2 s:
        // fewer than 176 KiB crossed, so at most 0.72 Mbit/s.
        var bound = LinkEstimate.atMost(48 << 10, 128 << 10, 2_000_000_000L, last).orElseThrow();
        assertThat(bound.mbps()).isCloseTo(176 * 1024 * 8 / 2e6, within(1e-9));
        assertThat(bound.latencyMicros()).isEqualTo(800);
        // Not even the warm-up answered in 2 s.
        assertThat(LinkEstimate.atMost(0, 32 << 10, 2_000_000_000L, last).orElseThrow().mbps())
                .isCloseTo(0.131, within(0.001));
    }

    @Test
    void aBoundAtOrAboveTheLastRoundSaysNothing() {
        var last = new LinkEstimate.Sample(0.5, 800);
        assertThat(LinkEstimate.atMost(48 << 10, 128 << 10, 2_000_000_000L, last)).isEmpty();
        assertThat(LinkEstimate.atMost(0, 32 << 10, 2_000_000_000L, null)).isEmpty();
        assertThatThrownBy(() -> LinkEstimate.atMost(0, 0, 1, last))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in flight");
    }

    @Test
    void aBoundIsTheNewestRoundAndMovesTheMedianOnlyWithASecondLowRound() {
        LinkEstimate e = new LinkEstimate();
        for (int i = 0; i < 3; i++) {
            e.add(new LinkEstimate.Sample(19, 800), i);
        }
        var bound =
                LinkEstimate.atMost(48 << 10, 128 << 10, 2_000_000_000L, e.last()).orElseThrow();
        e.add(bound, 10);
        assertThat(e.latest().mbps()).isCloseTo(bound.mbps(), within(1e-9));
        assertThat(e.status().mbps()).isEqualTo(19);
        assertThat(e.shortOf(2.4)).isTrue();
        e.add(new LinkEstimate.Sample(1.3, 900), 11);
        assertThat(e.status().mbps()).isEqualTo(1.3);
    }

    @Test
    void aRoundWhoseSmallPayloadQueuedBehindADrainingBacklogIsLeftOutSoTheDropShows() {
        // ll-g: a link at ~210 Mbit/s drops to 3; a round that did not finish bounds it at 0.72;
        // the next, while the frames sent before the drop drain, times its small payload behind
        // them and reads 12.2 Mbit/s with a 293 ms fixed part.
        LinkEstimate e = new LinkEstimate();
        e.add(new LinkEstimate.Sample(212.9, 0), 1);
        e.add(new LinkEstimate.Sample(208.4, 0), 2);
        e.add(new LinkEstimate.Sample(0.72, 0), 3);
        var queued =
                LinkEstimate.fromTwoSizes(
                                4_096,
                                nanos(4_096, 3.0, 0) + 300_000_000L,
                                32_768,
                                nanos(32_768, 3.0, 0) + 230_000_000L)
                        .orElseThrow();
        assertThat(queued.mbps()).isGreaterThan(10);
        assertThat(queued.latencyMicros()).isGreaterThan(250_000);

        assertThat(e.queued(queued)).isTrue();
        assertThat(e.addUnlessQueued(queued, 4)).isFalse();
        assertThat(e.latest().mbps()).isEqualTo(0.72);
        assertThat(e.status().samples()).isEqualTo(3);

        // The backlog gone, the next round reads the link: the median now shows the drop.
        assertThat(e.addUnlessQueued(new LinkEstimate.Sample(2.76, 0), 5)).isTrue();
        assertThat(e.status().mbps()).isEqualTo(2.76);
    }

    @Test
    void aQueuedRoundThatReadsSlowerThanTheLastIsKeptForItErrsTheWayTheBacklogSays() {
        LinkEstimate e = new LinkEstimate();
        e.add(new LinkEstimate.Sample(200, 0), 1);
        e.add(new LinkEstimate.Sample(190, 0), 2);

        var slowAndQueued = new LinkEstimate.Sample(1.3, 300_000);
        assertThat(e.queued(slowAndQueued)).isFalse();
        assertThat(e.addUnlessQueued(slowAndQueued, 3)).isTrue();
        assertThat(e.latest().mbps()).isEqualTo(1.3);
    }

    @Test
    void aFixedPartWithinTheFloorOrItsUsualMultipleIsNotQueued() {
        LinkEstimate e = new LinkEstimate();
        e.add(new LinkEstimate.Sample(2.9, 20_000), 1);
        e.add(new LinkEstimate.Sample(2.8, 20_000), 2);

        // 20 ms usually: 4 x 20 + 50 = 130 ms is the line.
        assertThat(e.queued(new LinkEstimate.Sample(3.5, 120_000))).isFalse();
        assertThat(e.queued(new LinkEstimate.Sample(3.5, 140_000))).isTrue();
        assertThat(new LinkEstimate().queued(new LinkEstimate.Sample(3.5, 10_000_000))).isFalse();
    }

    @Test
    void aLongerPathIsTakenOnTheThirdRoundInARow() {
        LinkEstimate e = new LinkEstimate();
        e.add(new LinkEstimate.Sample(10, 1_000), 1);
        e.add(new LinkEstimate.Sample(9, 1_000), 2);

        var longer = new LinkEstimate.Sample(9.5, 200_000);
        for (int i = 0; i < LinkEstimate.MAX_QUEUED_IN_A_ROW; i++) {
            assertThat(e.addUnlessQueued(longer, 3 + i)).isFalse();
        }
        assertThat(e.addUnlessQueued(longer, 10)).isTrue();
        assertThat(e.latest().latencyMicros()).isEqualTo(200_000);
        // The count starts again after a recorded round.
        assertThat(e.addUnlessQueued(new LinkEstimate.Sample(9.8, 200_000), 11)).isFalse();
    }
}
