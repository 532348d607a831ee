package io.coedge.jobs.reliability;

import io.coedge.format.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * Failure injection, test code only: passes records through and, on its first attempt and on one
 * subtask, throws once a checkpoint has completed and {@code after} more records have passed. Tests
 * put it in front of the job through its injectable sources, so production graphs cannot carry it.
 */
final class FailOnceAfterCheckpoint extends RichMapFunction<RawRecord, RawRecord>
        implements CheckpointListener {
    static final String MESSAGE = "injected failure after a completed checkpoint";
    private final int after;
    private transient boolean armed;
    private transient int seen;
    private transient boolean mayFail;

    FailOnceAfterCheckpoint(int after) {
        this.after = after;
    }

    @Override
    public void open(OpenContext context) {
        var task = getRuntimeContext().getTaskInfo();
        mayFail = task.getAttemptNumber() == 0 && task.getIndexOfThisSubtask() == 0;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        armed = true;
    }

    @Override
    public RawRecord map(RawRecord record) {
        if (mayFail && armed && ++seen > after) {
            throw new IllegalStateException(MESSAGE);
        }
        return record;
    }
}
