import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.FileDescriptor;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Build step: writes the descriptor of a generated outer class, with everything it imports, as a
 * FileDescriptorSet that protoc reads with --descriptor_set_in. Runs on the ONOS jar's own old protobuf
 * runtime, in its own JVM, so none of it reaches the project's class path.
 *
 * <p>Usage: {@code java -cp 'onos-jars/*' DumpDescriptors.java <outer class> <output .pb>}
 */
public class DumpDescriptors {
  public static void main(String[] args) throws Exception {
    FileDescriptor root = (FileDescriptor) Class.forName(args[0]).getMethod("getDescriptor").invoke(null);
    Set<FileDescriptor> ordered = new LinkedHashSet<>();
    visit(root, ordered);
    FileDescriptorSet.Builder set = FileDescriptorSet.newBuilder();
    ordered.forEach(file -> set.addFile(file.toProto()));
    Path out = Path.of(args[1]);
    Files.createDirectories(out.getParent());
    try (OutputStream os = Files.newOutputStream(out)) {
      set.build().writeTo(os);
    }
    System.out.println("DumpDescriptors: " + ordered.size() + " files -> " + out);
  }

  /** Dependencies first: protoc needs every import before the file that imports it. */
  private static void visit(FileDescriptor file, Set<FileDescriptor> ordered) {
    if (ordered.contains(file)) {
      return;
    }
    for (FileDescriptor dependency : file.getDependencies()) {
      visit(dependency, ordered);
    }
    ordered.add(file);
  }
}
