package io.coedge.format;

/** Outcome of decoding one record: a frame, or a rejection with its code and detail. */
public sealed interface DecodeResult {

    record Accepted(Frame frame) implements DecodeResult {}

    record Rejected(ErrorCode code, String detail) implements DecodeResult {}
}
