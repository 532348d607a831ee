package io.coedge.operators.links;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LinkDemandTest {

    @Test
    void theRateIsTheBytesOfTheLastFiveSeconds() {
        LinkDemand d = new LinkDemand();
        assertThat(d.mbps(10_000)).isZero();

        // 75 KB eight times a second for five seconds: 4.8 Mbit/s.
        for (long t = 10_000; t < 15_000; t += 125) {
            d.add(75_000, t);
        }
        assertThat(d.mbps(14_999)).isCloseTo(4.8, within(1e-9));

        // Nothing more: each second that passes drops a fifth, then all of it.
        assertThat(d.mbps(15_000)).isCloseTo(4.8 * 4 / 5, within(1e-9));
        assertThat(d.mbps(19_999)).isZero();
    }

    @Test
    void aBucketReusedAWindowLaterStartsFromNothing() {
        LinkDemand d = new LinkDemand();
        d.add(1_000_000, 1_000);
        d.add(125_000, 6_000); // the same bucket, five seconds on

        assertThat(d.mbps(6_000)).isCloseTo(0.2, within(1e-9));
    }

    @Test
    void thePeakIsTheLargestRateReadOverTheLastFiveMinutes() {
        LinkDemand d = new LinkDemand();
        assertThat(d.peakMbps(0)).isZero();
        for (long t = 10_000; t < 15_000; t += 125) {
            d.add(75_000, t); // 4.8 Mbit/s, then the dispatcher moves the frames away
        }
        assertThat(d.peakMbps(14_999)).isCloseTo(4.8, within(1e-9));
        assertThat(d.mbps(60_000)).isZero();
        assertThat(d.peakMbps(60_000))
                .as("the link's frames, moved away a while ago")
                .isCloseTo(4.8, within(1e-9));
        assertThat(d.peakMbps(14_999 + LinkDemand.PEAK_MS)).isCloseTo(4.8, within(1e-9));
        assertThat(d.peakMbps(15_000 + LinkDemand.PEAK_MS)).as("five minutes on").isZero();
    }
}
