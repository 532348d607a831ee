package io.coedge.models.tfjs;

/**
 * A TensorFlow.js graph model that cannot be read or converted; the message names the node and op
 * (or the file) and the reason, and is fit to show to a user as is.
 */
public final class TfjsConversionException extends RuntimeException {
    public TfjsConversionException(String message) {
        super(message);
    }

    public TfjsConversionException(String message, Throwable cause) {
        super(message, cause);
    }
}
