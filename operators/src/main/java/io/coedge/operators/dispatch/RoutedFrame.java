package io.coedge.operators.dispatch;

import io.coedge.format.Frame;

/**
 * A frame on its way to the node the dispatcher chose.
 *
 * @param frame the frame
 * @param node node that will run it
 * @param key key of that node's batcher subtask ({@link SubtaskKeys})
 * @param dispatchTs when it was routed, epoch milliseconds
 */
public record RoutedFrame(Frame frame, String node, int key, long dispatchTs) {}
