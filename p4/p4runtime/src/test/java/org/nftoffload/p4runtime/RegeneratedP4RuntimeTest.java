package org.nftoffload.p4runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import p4.config.v1.P4InfoOuterClass;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass;
import p4.v1.P4RuntimeOuterClass.FieldMatch;
import p4.v1.P4RuntimeOuterClass.TableEntry;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;

/**
 * The P4Runtime classes on the class path are the ones this module regenerates, never ONOS's old gencode,
 * which protobuf-java flags as vulnerable (GHSA-h4h5-3hr4-j3g2) when it parses.
 */
class RegeneratedP4RuntimeTest {

  private static final Path ONOS_PROTO_JAR = Path.of("target/onos-jars/onos-protocols-p4runtime-proto-2.7.0.jar");

  @Test
  void runtimeClassesComeFromThisModule() {
    for (Class<?> type : List.of(P4RuntimeOuterClass.class, P4InfoOuterClass.class, P4RuntimeGrpc.class)) {
      String location = type.getProtectionDomain().getCodeSource().getLocation().toString();
      assertFalse(location.contains("onos"), type + " loaded from " + location);
    }
    assertFalse(System.getProperty("java.class.path").contains("onos-protocols-p4runtime-proto"),
        "the ONOS proto jar is a build-time input only");
  }

  @Test
  void parsingRegeneratedMessagesLogsNoGencodeWarning() throws Exception {
    URL ours = P4RuntimeOuterClass.class.getProtectionDomain().getCodeSource().getLocation();
    assertEquals(List.of(), warningsWhileParsing(ours, "p4.v1.P4RuntimeOuterClass$WriteRequest"));
  }

  /** The control for the test above: the same check does see ONOS's gencode as vulnerable. */
  @Test
  void detectorFlagsOnosGencode() throws Exception {
    assertTrue(Files.isRegularFile(ONOS_PROTO_JAR), "the build copies the ONOS proto jar to " + ONOS_PROTO_JAR);
    List<String> warnings = warningsWhileParsing(ONOS_PROTO_JAR.toUri().toURL(), "p4.v1.P4RuntimeOuterClass$WriteRequest");
    assertFalse(warnings.isEmpty(), "expected protobuf-java to flag pre-22 gencode");
    assertTrue(warnings.getFirst().contains("makeExtensionsImmutable"), warnings.getFirst());
  }

  private static byte[] sampleWriteRequest() {
    TableEntry entry = TableEntry.newBuilder()
        .setTableId(1)
        .addMatch(FieldMatch.newBuilder().setFieldId(1)
            .setExact(FieldMatch.Exact.newBuilder().setValue(ByteString.copyFrom(new byte[] {10, 0, 0, 1}))))
        .build();
    return WriteRequest.newBuilder()
        .setDeviceId(7)
        .addUpdates(Update.newBuilder().setType(Update.Type.INSERT)
            .setEntity(P4RuntimeOuterClass.Entity.newBuilder().setTableEntry(entry)))
        .build()
        .toByteArray();
  }

  /** Loads the p4.* classes afresh from {@code source}, parses a request with them and returns what protobuf logged. */
  private static List<String> warningsWhileParsing(URL source, String messageClass) throws Exception {
    List<String> warnings = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          warnings.add(record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger protobufLogger = Logger.getLogger("com.google.protobuf");
    protobufLogger.addHandler(handler);
    try (URLClassLoader loader = new P4FirstClassLoader(source, RegeneratedP4RuntimeTest.class.getClassLoader())) {
      Class<?> type = Class.forName(messageClass, true, loader);
      Object parsed = type.getMethod("parseFrom", byte[].class).invoke(null, (Object) sampleWriteRequest());
      assertEquals(7L, type.getMethod("getDeviceId").invoke(parsed));
    } finally {
      protobufLogger.removeHandler(handler);
    }
    return warnings;
  }

  /** Loads p4.* from its own URL even though the parent has them too; everything else (protobuf) from the parent. */
  private static final class P4FirstClassLoader extends URLClassLoader {
    P4FirstClassLoader(URL source, ClassLoader parent) {
      super(new URL[] {source}, parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (!name.startsWith("p4.")) {
        return super.loadClass(name, resolve);
      }
      synchronized (getClassLoadingLock(name)) {
        Class<?> loaded = findLoadedClass(name);
        return loaded != null ? loaded : findClass(name);
      }
    }
  }
}
