package org.nftoffload.nft;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace of our own with a few veth devices, where tests load rulesets into the real kernel with the
 * real nft. Every command is bounded in time; {@link #close()} deletes the namespace.
 */
final class Kernel implements AutoCloseable {
  static final List<String> DEVICES = List.of("wan0", "lan0", "lan1");
  private final String ns;
  final boolean flowtables;

  private Kernel(String ns) throws IOException, InterruptedException {
    this.ns = ns;
    run(List.of("ip", "netns", "add", ns), null);
    for (String d : DEVICES) {
      run(List.of("ip", "netns", "exec", ns, "ip", "link", "add", d, "type", "veth", "peer", "name", d + "p"), null);
      run(List.of("ip", "netns", "exec", ns, "ip", "link", "set", d, "up"), null);
    }
    flowtables = nft("-f", "-", "table inet probe { flowtable f { hook ingress priority 0; devices = { lan0 }; } }")
        .exit() == 0;
    nft("flush", "ruleset");
  }

  /** A namespace, or the test is skipped (failed when CI is set) because we are not root or a tool is missing. */
  static Kernel open(String purpose) {
    String why = null;
    if (!"root".equals(System.getProperty("user.name"))) {
      why = "not root";
    } else if (!onPath("nft") || !onPath("ip")) {
      why = "nft or ip is not installed (run bin/setup as root)";
    }
    if (why == null) {
      try {
        return new Kernel("nftoff-" + purpose + "-" + ProcessHandle.current().pid());
      } catch (IOException | InterruptedException | IllegalStateException e) {
        why = "cannot create a network namespace: " + e.getMessage();
      }
    }
    if (System.getenv("CI") != null) {
      fail("kernel test cannot run: " + why);
    }
    Assumptions.abort("kernel test skipped: " + why);
    throw new AssertionError();
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
  }

  record Result(int exit, String out, String err) {}

  /** Runs nft inside the namespace; "-f -" reads the given stdin. */
  Result nft(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns, "nft"));
    String stdin = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("-") && i > 0 && args[i - 1].equals("-f")) {
        cmd.add("/dev/stdin");
        stdin = args[++i];
      } else {
        cmd.add(args[i]);
      }
    }
    return exec(cmd, stdin);
  }

  private static void run(List<String> cmd, String stdin) throws IOException, InterruptedException {
    Result r = exec(cmd, stdin);
    if (r.exit() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + r.err().strip());
    }
  }

  private static Result exec(List<String> cmd, String stdin) throws IOException, InterruptedException {
    Path out = Files.createTempFile("nft-out", ".txt");
    Path err = Files.createTempFile("nft-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      }
      Process p = pb.start();
      if (stdin != null) {
        try (var w = p.getOutputStream()) {
          w.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " timed out");
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    exec(List.of("ip", "netns", "del", ns), null);
  }
}
