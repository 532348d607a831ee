package io.coedge.operators.pre;

/** An image whose header looked fine but whose data cannot be decoded ({@code CORRUPT_IMAGE}). */
public final class ImageDecodeException extends Exception {
    public ImageDecodeException(String message) {
        super(message);
    }

    public ImageDecodeException(String message, Throwable cause) {
        super(message, cause);
    }
}
