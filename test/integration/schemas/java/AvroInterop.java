// A reader and writer that are not ours: Apache Avro for Java (the library the registry uses),
// run as a single-file program by test/integration/schemas/java-interop.test.ts.
//
// Usage: java -cp '<apicurio>/lib/main/*' AvroInterop.java (<schema.json> <framed-hex>)...
// For each pair: reads Confluent-framed bytes (magic 0, 4-byte id, Avro body) with the writer schema, using
// Avro's standard logical-type conversions (BigDecimal, Instant, LocalDate, UUID), prints one
// JSON line {"schemaId":…, "event":…} with decimals as plain strings, then writes the same datum
// back with Avro's GenericDatumWriter and prints the framed hex on a second line.
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.data.TimeConversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

public class AvroInterop {
  // Millisecond ISO 8601, as JavaScript's Date#toISOString (Instant#toString drops zero millis).
  static final DateTimeFormatter ISO_MILLIS = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  public static void main(String[] args) throws Exception {
    for (int i = 0; i + 1 < args.length; i += 2) roundTrip(Path.of(args[i]), args[i + 1]);
  }

  static void roundTrip(Path schemaFile, String hex) throws Exception {
    Schema schema = new Schema.Parser().parse(Files.readString(schemaFile));
    byte[] framed = HexFormat.of().parseHex(hex);
    ByteBuffer buf = ByteBuffer.wrap(framed);
    if (buf.get() != 0) throw new IllegalArgumentException("magic byte is not 0");
    int schemaId = buf.getInt();

    GenericData data = new GenericData();
    data.addLogicalTypeConversion(new Conversions.DecimalConversion());
    data.addLogicalTypeConversion(new Conversions.UUIDConversion());
    data.addLogicalTypeConversion(new TimeConversions.TimestampMillisConversion());
    data.addLogicalTypeConversion(new TimeConversions.DateConversion());

    GenericDatumReader<Object> reader = new GenericDatumReader<>(schema, schema, data);
    Object datum = reader.read(null, DecoderFactory.get().binaryDecoder(framed, 5, framed.length - 5, null));
    StringBuilder out = new StringBuilder();
    out.append("{\"schemaId\":").append(schemaId).append(",\"event\":");
    json(datum, out);
    out.append('}');
    System.out.println(out);

    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    bytes.write(0);
    bytes.write(ByteBuffer.allocate(4).putInt(schemaId).array());
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bytes, null);
    new GenericDatumWriter<Object>(schema, data).write(datum, enc);
    enc.flush();
    System.out.println(HexFormat.of().formatHex(bytes.toByteArray()));
  }

  static void json(Object v, StringBuilder out) {
    if (v == null) out.append("null");
    else if (v instanceof GenericRecord r) {
      out.append('{');
      List<Schema.Field> fields = r.getSchema().getFields();
      for (int i = 0; i < fields.size(); i++) {
        if (i > 0) out.append(',');
        str(fields.get(i).name(), out);
        out.append(':');
        json(r.get(i), out);
      }
      out.append('}');
    } else if (v instanceof List<?> l) {
      out.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) out.append(',');
        json(l.get(i), out);
      }
      out.append(']');
    } else if (v instanceof Map<?, ?> m) {
      out.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) out.append(',');
        first = false;
        str(e.getKey().toString(), out);
        out.append(':');
        json(e.getValue(), out);
      }
      out.append('}');
    } else if (v instanceof BigDecimal d) str(d.toPlainString(), out);
    else if (v instanceof Instant t) str(ISO_MILLIS.format(t), out);
    else if (v instanceof Number || v instanceof Boolean) out.append(v);
    else str(v.toString(), out); // Utf8, enum symbols, LocalDate (YYYY-MM-DD), UUID
  }

  static void str(String s, StringBuilder out) {
    out.append('"');
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') out.append('\\').append(c);
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    out.append('"');
  }
}
