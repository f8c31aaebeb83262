package org.nftoffload.p4;

import com.google.protobuf.TextFormat;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.p4runtime.model.P4InfoParser;
import org.onosproject.p4runtime.model.P4InfoParserException;
import p4.config.v1.P4InfoOuterClass.P4Info;

/**
 * The flowtable pipeline as a device sees it: the P4Info checked in at {@code p4/flowtable.p4info.txtpb}, as a
 * protobuf message (ids, for the wire) and as ONOS's {@link PiPipelineModel} (names, widths, match kinds).
 *
 * @param p4Info the P4Info message
 * @param model the same P4Info parsed by ONOS's P4InfoParser
 */
public record FlowtablePipeline(P4Info p4Info, PiPipelineModel model) {

  /** Class-path location of the checked-in P4Info. */
  public static final String P4INFO_RESOURCE = "/org/nftoffload/p4/flowtable.p4info.txtpb";

  /** Loads and parses the checked-in P4Info. */
  public static FlowtablePipeline load() {
    URL url = FlowtablePipeline.class.getResource(P4INFO_RESOURCE);
    if (url == null) {
      throw new IllegalStateException("P4Info resource missing from the class path: " + P4INFO_RESOURCE);
    }
    try (InputStream in = url.openStream()) {
      P4Info.Builder p4Info = P4Info.newBuilder();
      TextFormat.getParser().merge(new String(in.readAllBytes(), StandardCharsets.UTF_8), p4Info);
      return new FlowtablePipeline(p4Info.build(), P4InfoParser.parse(url));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + url, e);
    } catch (P4InfoParserException e) {
      throw new IllegalStateException("invalid P4Info " + url + ": " + e.getMessage(), e);
    }
  }
}
