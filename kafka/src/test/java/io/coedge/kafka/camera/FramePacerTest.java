package io.coedge.kafka.camera;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FramePacerTest {

    /** A clock that moves only when asked to sleep, or when the test advances it. */
    static final class FakeClock implements FramePacer.Clock {
        long now;
        final List<Long> sleeps = new ArrayList<>();

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleepUntil(long deadline) {
            sleeps.add(deadline);
            now = Math.max(now, deadline);
        }
    }

    @Test
    void framesAreReleasedOnTheStreamsClockWithoutDrift() throws Exception {
        FakeClock clock = new FakeClock();
        clock.now = 1_000;
        double fps = 30000.0 / 1001; // NTSC: a period that is not a whole number of ns
        FramePacer pacer = new FramePacer(fps, clock, 1_000, Long.MAX_VALUE);
        long released = 0;
        for (int k = 0; k < 10 * 60 * 30; k++) {
            released = pacer.awaitNext();
        }
        // frame 17999 of a 29.97 fps stream is due 17999 * 1001/30000 s after the start
        assertThat(released).isEqualTo(1_000 + Math.round(17999 * 1001 / 30000.0 * 1e9));
        assertThat(pacer.released()).isEqualTo(18_000);
        assertThat(pacer.lateNanosMax()).isZero();
    }

    @Test
    void aLateFrameGoesAtOnceAndTheNextIsBackOnSchedule() throws Exception {
        FakeClock clock = new FakeClock();
        FramePacer pacer = new FramePacer(10, clock, 0, Long.MAX_VALUE);
        assertThat(pacer.awaitNext()).isEqualTo(0);
        clock.now = 250_000_000L; // the decoder took 250 ms for frame 1 (due at 100 ms)
        assertThat(pacer.awaitNext()).isEqualTo(250_000_000L);
        assertThat(pacer.awaitNext()).isEqualTo(250_000_000L); // frame 2 was due at 200 ms
        assertThat(pacer.awaitNext()).isEqualTo(300_000_000L); // frame 3 on time
        assertThat(pacer.lateNanosMax()).isEqualTo(150_000_000L);
    }

    @Test
    void theClockStartsWithAFirstFrameThatComesLate() throws Exception {
        FakeClock clock = new FakeClock();
        FramePacer pacer = new FramePacer(10, clock, 0, Long.MAX_VALUE);
        clock.now = 400_000_000L; // ffmpeg took 400 ms to start
        assertThat(pacer.awaitNext()).isEqualTo(400_000_000L);
        assertThat(pacer.awaitNext()).isEqualTo(500_000_000L);
        assertThat(pacer.lateNanosMax()).isZero();
    }

    @Test
    void noFrameDueAtOrAfterTheEndIsReleased() throws Exception {
        FakeClock clock = new FakeClock();
        FramePacer pacer = new FramePacer(30, clock, 0, 1_000_000_000L);
        int n = 0;
        while (pacer.awaitNext() >= 0) {
            n++;
        }
        assertThat(n).isEqualTo(30);
    }

    @Test
    void liveStreamsAreNotPacedButStillEnd() throws Exception {
        FakeClock clock = new FakeClock();
        FramePacer pacer = new FramePacer(0, clock, 0, 500);
        clock.now = 10;
        assertThat(pacer.awaitNext()).isEqualTo(10);
        assertThat(pacer.awaitNext()).isEqualTo(10);
        assertThat(clock.sleeps).isEmpty();
        clock.now = 500;
        assertThat(pacer.awaitNext()).isEqualTo(-1);
    }

    @Test
    void reconnectBackOffDoublesFromHalfASecondToFiveSeconds() {
        assertThat(VideoProducer.backoffMillis(1)).isEqualTo(500);
        assertThat(VideoProducer.backoffMillis(2)).isEqualTo(1000);
        assertThat(VideoProducer.backoffMillis(4)).isEqualTo(4000);
        assertThat(VideoProducer.backoffMillis(5)).isEqualTo(5_000);
        assertThat(VideoProducer.backoffMillis(100)).isEqualTo(5_000);
    }

    @Test
    void streamsAreUrlsOtherThanFileUrls() {
        assertThat(VideoProducer.isNetwork("rtsp://127.0.0.1:8554/cam")).isTrue();
        assertThat(VideoProducer.isNetwork("http://example.org/a.mjpeg")).isTrue();
        assertThat(VideoProducer.isNetwork("file:///tmp/a.mp4")).isFalse();
        assertThat(VideoProducer.isNetwork("/tmp/a.mp4")).isFalse();
        assertThat(VideoProducer.isNetwork("C:\\video.mp4")).isFalse();
        assertThat(VideoProducer.rational("30000/1001")).isEqualTo(30000.0 / 1001);
        assertThat(VideoProducer.rational("0/0")).isZero();
    }
}
