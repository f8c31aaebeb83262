package org.nftoffload.linux;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * A throw-away network namespace for kernel tests, created with {@code ip netns add} under a unique
 * name and deleted on close. Kernel tests need root, ip and nft: without them they fail when the
 * {@code CI} variable is set and are skipped otherwise.
 */
public final class TestNamespace implements AutoCloseable {
    private final String name;

    private TestNamespace(String name) {
        this.name = name;
    }

    /** Checks that this machine can run kernel tests (see class doc). */
    public static void requireKernelTestPrerequisites() {
        List<String> missing = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            missing.add("root");
        }
        for (String tool : List.of("ip", "nft")) {
            if (!onPath(tool)) {
                missing.add("the '" + tool + "' command");
            }
        }
        if (!missing.isEmpty()) {
            String message = "kernel namespace tests need " + String.join(", ", missing);
            if (System.getenv("CI") != null) {
                fail(message);
            }
            Assumptions.abort(message);
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }

    /** Creates a namespace named {@code prefix-<random>} with loopback up. */
    public static TestNamespace create(String prefix) {
        requireKernelTestPrerequisites();
        String name = prefix + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
        run(null, "ip", "netns", "add", name);
        TestNamespace ns = new TestNamespace(name);
        ns.exec(null, "ip", "link", "set", "lo", "up");
        return ns;
    }

    /** The namespace's name. */
    public String name() {
        return name;
    }

    /** The namespace as a {@link NetworkNamespace}. */
    public NetworkNamespace namespace() {
        return NetworkNamespace.named(name);
    }

    /** Runs a command inside the namespace ({@code ip netns exec}), feeding {@code stdin} if not null. */
    public void exec(String stdin, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        run(stdin, full.toArray(String[]::new));
    }

    /** Runs a command in the test's own namespace and fails the test if it does not exit 0 within 30 s. */
    public static void run(String stdin, String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("timed out: " + String.join(" ", command));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                fail(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
            }
        } catch (IOException e) {
            fail("cannot run " + String.join(" ", command) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    @Override
    public void close() {
        try {
            new ProcessBuilder("ip", "netns", "delete", name).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new IllegalStateException("cannot delete namespace " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
