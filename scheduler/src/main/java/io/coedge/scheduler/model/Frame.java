package io.coedge.scheduler.model;

/** One captured frame of a task, with its absolute deadline (epoch micros). */
public record Frame(long id, String taskId, Model model, long capturedMicros, long deadlineMicros) {

    public static Frame captured(long id, Task task, long capturedMicros) {
        return new Frame(id, task.id(), task.model(), capturedMicros, capturedMicros + task.deadlineMicros());
    }
}
