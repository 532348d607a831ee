package io.coedge.scheduler.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.coedge.scheduler.model.Link;
import org.junit.jupiter.api.Test;

/** The origin's send queue per link and the rule that sheds what would arrive too late. */
class LinkGateTest {
    /** 1 Mbit/s, 10 ms: 12,500 bytes take 100 ms to send and arrive 110 ms after they start. */
    static final Link SLOW = new Link("a", "b", 1_000_000, 10_000);

    static final long FRAME = 12_500;

    @Test
    void framesQueueBehindEachOtherWhileTheyArriveByTheirDeadline() {
        LinkGate gate = new LinkGate(4);

        LinkGate.Verdict first = gate.offer(1, 0, FRAME, SLOW, 250_000);
        LinkGate.Verdict second = gate.offer(1, 0, FRAME, SLOW, 250_000);

        assertThat(first).isEqualTo(new LinkGate.Verdict(true, 110_000, 0));
        assertThat(second).isEqualTo(new LinkGate.Verdict(true, 210_000, 100_000));
        assertThat(gate.queuedMicros(1, 0)).isEqualTo(200_000);
        assertThat(gate.queuedMicros(1, 150_000)).isEqualTo(50_000);
        assertThat(gate.queuedMicros(1, 300_000)).isZero();
    }

    @Test
    void aFrameThatWouldArriveAfterItsDeadlineIsRefusedAndTakesNoLinkTime() {
        LinkGate gate = new LinkGate(4);
        gate.offer(1, 0, FRAME, SLOW, 250_000);
        gate.offer(1, 0, FRAME, SLOW, 250_000);

        LinkGate.Verdict third = gate.offer(1, 0, FRAME, SLOW, 250_000);
        assertThat(third).isEqualTo(new LinkGate.Verdict(false, 310_000, 200_000));
        assertThat(gate.queuedMicros(1, 0)).as("unchanged by the refused frame").isEqualTo(200_000);

        // A later frame with a later deadline goes right behind the admitted ones.
        assertThat(gate.offer(1, 150_000, FRAME, SLOW, 400_000))
                .isEqualTo(new LinkGate.Verdict(true, 310_000, 50_000));
    }

    @Test
    void anArrivalExactlyAtTheDeadlineIsAdmitted() {
        assertThat(new LinkGate(1).offer(0, 0, FRAME, SLOW, 110_000).admitted()).isTrue();
        assertThat(new LinkGate(1).offer(0, 0, FRAME, SLOW, 109_999).admitted()).isFalse();
    }

    @Test
    void eachIndexIsAQueueOfItsOwnAndTheBandwidthIsTheOneGivenNow() {
        LinkGate gate = new LinkGate(4);
        gate.offer(1, 0, FRAME, SLOW, 1_000_000);

        assertThat(gate.offer(2, 0, FRAME, SLOW, 1_000_000).queuedMicros()).isZero();
        // Ten times the bandwidth: 10 ms to send, behind link 1's 100 ms.
        Link fast = SLOW.with(10_000_000, 10_000);
        assertThat(gate.offer(1, 0, FRAME, fast, 1_000_000))
                .isEqualTo(new LinkGate.Verdict(true, 120_000, 100_000));
    }

    @Test
    void theReasonNamesTheLinkItsBandwidthTheQueueAndTheLateness() {
        LinkGate gate = new LinkGate(1);
        gate.offer(0, 0, FRAME, SLOW, 250_000);
        gate.offer(0, 0, FRAME, SLOW, 250_000);
        LinkGate.Verdict v = gate.offer(0, 0, FRAME, SLOW, 250_000);

        assertThat(v.describe(SLOW, FRAME, 250_000))
                .isEqualTo(
                        "LINK_BACKLOG: a -> b at 1.0 Mbit/s had 200 ms of frames queued; this frame"
                                + " (12.5 KB) would have arrived 60 ms after its deadline, so it was"
                                + " shed at its origin");
    }

    @Test
    void aNegativeNumberOfLinksIsRefused() {
        assertThatThrownBy(() -> new LinkGate(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}
