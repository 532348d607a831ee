package io.coedge.operators.links;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When the prober's next round starts (the network part is LinkProbesITCase's). */
class LinkProbesTest {

    @Test
    void aRoundShortOfWhatTheLinkCarriesIsConfirmedAfterASecondInsteadOfAnInterval() {
        assertThat(LinkProbes.nextRoundDelayMs(5_000, 20, false)).isEqualTo(5_000);
        assertThat(LinkProbes.nextRoundDelayMs(5_000, 20, true)).isEqualTo(LinkProbes.CONFIRM_MS);
    }

    @Test
    void aRoundNeverStartsSoonerThanTenTimesTheLastRoundsLinkTime() {
        // A round of 180 ms on a 3 Mbit/s link: at least 1.8 s, confirming or not.
        assertThat(LinkProbes.nextRoundDelayMs(5_000, 180, true)).isEqualTo(1_800);
        assertThat(LinkProbes.nextRoundDelayMs(1_000, 700, false)).isEqualTo(7_000);
    }

    @Test
    void theDutyCapNeverWaitsMoreThanTenSecondsOrTheInterval() {
        // A round bound at 0.13 Mbit/s behind a full queue: 51 KiB take 3.1 s, times ten.
        assertThat(LinkProbes.nextRoundDelayMs(5_000, 3_127, true))
                .isEqualTo(LinkProbes.MAX_DUTY_WAIT_MS);
        assertThat(LinkProbes.nextRoundDelayMs(5_000, 3_127, false))
                .isEqualTo(LinkProbes.MAX_DUTY_WAIT_MS);
        assertThat(LinkProbes.nextRoundDelayMs(60_000, 3_127, false)).isEqualTo(60_000);
    }

    @Test
    void anIntervalShorterThanTheConfirmationWaitIsKept() {
        assertThat(LinkProbes.nextRoundDelayMs(500, 10, true)).isEqualTo(500);
    }

    @Test
    void aRoundMayTakeEightTimesWhatItsBytesTakeAtTheNewestRoundWithinTwoAndTwentySeconds() {
        // 32 + 16 + 128 KiB = 1.44 Mbit: 76 ms at 19 Mbit/s, under the 2 s floor.
        assertThat(LinkProbes.roundDeadlineMs(new LinkEstimate.Sample(19, 500), 128 << 10))
                .isEqualTo(LinkProbes.MIN_ROUND_DEADLINE_MS);
        // 32 + 4 + 32 KiB = 557 kbit at 0.5 Mbit/s: 1.11 s, times eight.
        assertThat(LinkProbes.roundDeadlineMs(new LinkEstimate.Sample(0.5, 500), 32 << 10))
                .isEqualTo(8_913);
        assertThat(LinkProbes.roundDeadlineMs(new LinkEstimate.Sample(0.01, 500), 32 << 10))
                .isEqualTo(LinkProbes.FIRST_ROUND_DEADLINE_MS);
        assertThat(LinkProbes.roundDeadlineMs(null, 128 << 10))
                .isEqualTo(LinkProbes.FIRST_ROUND_DEADLINE_MS);
    }

    @Test
    void aLinkThatCameBackIsTimedWithAPayloadSizedForItsNewSpeedNotTheDrops() {
        LinkEstimate e = new LinkEstimate();
        for (int i = 0; i < 3; i++) {
            e.add(new LinkEstimate.Sample(2.9, 300), i);
        }
        int configured = 128 << 10;
        // The drop's median: 2.9 Mbit/s carry 36 KB in 100 ms.
        assertThat(LinkProbes.largeBytes(configured, e, 0)).isEqualTo(36_250);
        // One round back at 100 Mbit/s: the median is still the drop's, the payload is not.
        e.add(new LinkEstimate.Sample(100, 300), 4);
        assertThat(e.status().mbps()).isEqualTo(2.9);
        assertThat(LinkProbes.largeBytes(configured, e, 0)).isEqualTo(configured);
    }

    @Test
    void eachRoundTooShortToTimeDoublesTheNextPayloadUpToTheConfiguredSize() {
        LinkEstimate e = new LinkEstimate();
        e.add(new LinkEstimate.Sample(0.5, 300), 1);
        int configured = 128 << 10;
        assertThat(LinkProbes.largeBytes(configured, e, 0)).isEqualTo(LinkProbes.MIN_LARGE_BYTES);
        assertThat(LinkProbes.largeBytes(configured, e, 1))
                .isEqualTo(2 * LinkProbes.MIN_LARGE_BYTES);
        assertThat(LinkProbes.largeBytes(configured, e, 2)).isEqualTo(configured);
        assertThat(LinkProbes.largeBytes(configured, e, 8)).isEqualTo(configured);
        assertThat(LinkProbes.largeBytes(configured, null, 3)).isEqualTo(configured);
    }
}
