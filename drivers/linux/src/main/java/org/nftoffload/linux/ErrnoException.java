package org.nftoffload.linux;

import java.io.IOException;

/**
 * A libc call failed: carries the call's name, the errno it left and the kernel's text for it
 * ({@code strerror}), so callers can branch on {@link #errno()} and logs say what went wrong.
 */
public final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;
    private final String call;
    private final int errno;

    /**
     * @param call  the libc function (with a hint of its arguments) that failed
     * @param errno the errno value it left
     */
    public ErrnoException(String call, int errno) {
        super(call + " failed: " + Libc.strerror(errno) + " (errno " + errno + ")");
        this.call = call;
        this.errno = errno;
    }

    /** The failed call, as given to the constructor. */
    public String call() {
        return call;
    }

    /** The errno value, e.g. {@link Libc#ENOBUFS}. */
    public int errno() {
        return errno;
    }
}
