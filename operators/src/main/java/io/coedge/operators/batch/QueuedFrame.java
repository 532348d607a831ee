package io.coedge.operators.batch;

import io.coedge.operators.dispatch.RoutedFrame;

/**
 * A frame waiting on its node, as kept in keyed state.
 *
 * @param routed the frame and where the dispatcher sent it
 * @param arrivalMicros when it reached the node's batcher, epoch microseconds
 */
public record QueuedFrame(RoutedFrame routed, long arrivalMicros) {

    public long deadlineMicros() {
        return routed.frame().deadlineTs() * 1000;
    }

    public String id() {
        return routed.frame().id();
    }
}
