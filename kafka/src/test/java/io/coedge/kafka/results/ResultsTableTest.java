package io.coedge.kafka.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.coedge.format.FrameResult;
import io.coedge.format.FrameResult.Status;
import org.junit.jupiter.api.Test;

class ResultsTableTest {

    private static FrameResult result(
            String task, Status status, long latency, long emit, int batch) {
        return new FrameResult(
                "c#" + emit,
                "c",
                emit,
                "t/0@" + emit,
                task,
                "m",
                "n",
                "n",
                batch,
                status,
                status == Status.DROPPED || status == Status.ERROR ? "why" : null,
                emit - latency,
                null,
                null,
                null,
                emit,
                latency,
                emit + 100,
                100,
                status == Status.OK,
                null,
                null);
    }

    @Test
    void missRateCountsLateDroppedAndErrorOverAllFrames() {
        ResultsTable table = new ResultsTable();
        table.add(result("a", Status.OK, 10, 1000, 2));
        table.add(result("a", Status.OK, 20, 1500, 2));
        table.add(result("a", Status.LATE, 120, 2000, 4));
        table.add(result("a", Status.DROPPED, 5, 2500, 0));
        table.add(result("b", Status.ERROR, 1, 1000, 0));

        assertThat(table.rows())
                .containsExactly(
                        new ResultsTable.Row("a", 4, 2, 1, 1, 0, 0.5, 10, 120, 120, 2.0, 8 / 3.0),
                        new ResultsTable.Row("b", 1, 0, 0, 0, 1, 1.0, 1, 1, 1, 0.0, 0.0),
                        new ResultsTable.Row(
                                "ALL", 5, 2, 1, 1, 1, 0.6, 10, 120, 120, 4 / 1.5, 8 / 3.0));
        assertThat(table.frames()).isEqualTo(5);
    }
}
