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
}
