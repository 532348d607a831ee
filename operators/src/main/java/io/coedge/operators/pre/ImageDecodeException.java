package io.coedge.operators.pre;

import io.coedge.format.ErrorCode;

/**
 * A frame that pre-processing refuses, with its code: {@code CORRUPT_IMAGE} (the header looked fine
 * but the data cannot be decoded), {@code IMAGE_TOO_LARGE} (its decoded size exceeds what the node
 * may hold), {@code OUT_OF_MEMORY} (the node ran out of memory decoding it).
 */
public final class ImageDecodeException extends Exception {
    private final ErrorCode code;

    public ImageDecodeException(String message) {
        this(ErrorCode.CORRUPT_IMAGE, message);
    }

    public ImageDecodeException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
        this.code = ErrorCode.CORRUPT_IMAGE;
    }

    public ErrorCode code() {
        return code;
    }
}
