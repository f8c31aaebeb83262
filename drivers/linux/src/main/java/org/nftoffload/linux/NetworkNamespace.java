package org.nftoffload.linux;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside a named network namespace ({@code /var/run/netns/NAME}, as {@code ip netns add}
 * creates) without moving the rest of the process.
 *
 * <p>Linux lets one thread of a multi-threaded process {@code setns(2)} into another network
 * namespace. The code runs on a fresh platform thread that does so and then ends, so the JVM's other
 * threads keep their namespace. Sockets opened by that code belong to the target namespace for their
 * whole life and can be used from any thread afterwards — that is how the agent opens its netlink
 * sockets inside a router namespace.
 */
public final class NetworkNamespace {
    private final String path;

    private NetworkNamespace(String path) {
        this.path = path;
    }

    /** The namespace {@code ip netns} knows as {@code name}. */
    public static NetworkNamespace named(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalArgumentException("network namespace name must be a plain name, got \"" + name + "\"");
        }
        return new NetworkNamespace("/var/run/netns/" + name);
    }

    /** The namespace bound at {@code path} (e.g. {@code /proc/PID/ns/net}). */
    public static NetworkNamespace atPath(String path) {
        return new NetworkNamespace(Objects.requireNonNull(path, "path"));
    }

    /** The file this namespace is opened from. */
    public String path() {
        return path;
    }

    /**
     * Calls {@code action} on a thread that joined this namespace and returns its result; exceptions
     * of {@code action} (or of joining) are rethrown here.
     */
    public <T> T call(Callable<T> action) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = Thread.ofPlatform().name("netns-" + path).unstarted(() -> {
            try {
                int fd = Libc.openReadOnly(path);
                try {
                    Libc.setns(fd, Libc.CLONE_NEWNET);
                } finally {
                    Libc.close(fd);
                }
                result.set(action.call());
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        thread.start();
        thread.join();
        Throwable t = failure.get();
        if (t instanceof Exception e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new ExecutionException(t);
        }
        return result.get();
    }
}
