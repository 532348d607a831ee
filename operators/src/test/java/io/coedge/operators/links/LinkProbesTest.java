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
    void anIntervalShorterThanTheConfirmationWaitIsKept() {
        assertThat(LinkProbes.nextRoundDelayMs(500, 10, true)).isEqualTo(500);
    }
}
