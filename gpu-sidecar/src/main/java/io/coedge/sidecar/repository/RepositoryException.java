package io.coedge.sidecar.repository;

/** A model that cannot be served; the message is the reason reported to clients. */
public final class RepositoryException extends Exception {
    public RepositoryException(String message) {
        super(message);
    }

    public RepositoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
