package dev.crossdock.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The topology against a stub registry, with TopologyTestDriver (no broker). */
class StreamsPeerTest {
  private static final Schema SCHEMA =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Order\",\"namespace\":\"t\",\"fields\":["
                  + "{\"name\":\"id\",\"type\":\"string\"},{\"name\":\"qty\",\"type\":\"int\"},"
                  + "{\"name\":\"note\",\"type\":[\"null\",\"string\"],\"default\":null},"
                  + "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"A\",\"B\"]}}]}");
  private static final int ID = 7;

  private HttpServer registry;
  private final AtomicInteger fetches = new AtomicInteger();
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> in;
  private List<TestOutputTopic<byte[], byte[]>> outs;
  private TestOutputTopic<byte[], byte[]> dlq;

  @BeforeEach
  void start() throws IOException {
    registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] body =
        new ObjectMapper().writeValueAsBytes(Map.of("schema", SCHEMA.toString())); // {"schema": "..."}
    registry.createContext(
        "/ccompat/schemas/ids/",
        ex -> {
          boolean known = ex.getRequestURI().getPath().endsWith("/" + ID);
          if (known) fetches.incrementAndGet();
          ex.sendResponseHeaders(known ? 200 : 404, known ? body.length : -1);
          if (known) ex.getResponseBody().write(body);
          ex.close();
        });
    registry.start();
    String url = "http://127.0.0.1:" + registry.getAddress().getPort() + "/ccompat/";
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "peer-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    driver =
        new TopologyTestDriver(
            StreamsPeer.topology(new Registry(url), List.of("in.a", "in.b"), List.of("out.1", "out.2", "out.3"), "dlq"),
            props);
    ByteArraySerializer ser = new ByteArraySerializer();
    ByteArrayDeserializer de = new ByteArrayDeserializer();
    in = driver.createInputTopic("in.b", ser, ser);
    outs = List.of("out.1", "out.2", "out.3").stream().map(t -> driver.createOutputTopic(t, de, de)).toList();
    dlq = driver.createOutputTopic("dlq", de, de);
  }

  @AfterEach
  void stop() {
    driver.close();
    registry.stop(0);
  }

  private static byte[] framed(int id, byte[] body) {
    byte[] out = new byte[5 + body.length];
    out[0] = 0;
    out[1] = (byte) (id >>> 24);
    out[2] = (byte) (id >>> 16);
    out[3] = (byte) (id >>> 8);
    out[4] = (byte) id;
    System.arraycopy(body, 0, out, 5, body.length);
    return out;
  }

  private static byte[] avro(String id) throws IOException {
    GenericRecord r = new GenericData.Record(SCHEMA);
    r.put("id", id);
    r.put("qty", 3);
    r.put("note", "dock 14");
    r.put("kind", new GenericData.EnumSymbol(SCHEMA.getField("kind").schema(), "B"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(bytes, null);
    new GenericDatumWriter<GenericRecord>(SCHEMA).write(r, enc);
    enc.flush();
    return bytes.toByteArray();
  }

  private void pipe(String key, byte[] value) {
    RecordHeaders headers = new RecordHeaders();
    headers.add("ce_id", key.getBytes(StandardCharsets.UTF_8));
    headers.add("bench-seq", "4".getBytes(StandardCharsets.UTF_8));
    in.pipeInput(new TestRecord<>(key.getBytes(StandardCharsets.UTF_8), value, headers));
  }

  @Test
  void validRecordsGoUnchangedToEveryOutput() throws IOException {
    byte[] v1 = framed(ID, avro("o-1"));
    byte[] v2 = framed(ID, avro("o-2"));
    pipe("k1", v1);
    pipe("k2", v2);
    for (TestOutputTopic<byte[], byte[]> out : outs) {
      List<TestRecord<byte[], byte[]>> got = out.readRecordsToList();
      assertEquals(2, got.size());
      assertArrayEquals("k1".getBytes(StandardCharsets.UTF_8), got.get(0).key());
      assertArrayEquals(v1, got.get(0).value());
      assertArrayEquals(v2, got.get(1).value());
      assertArrayEquals("k1".getBytes(StandardCharsets.UTF_8), got.get(0).headers().lastHeader("ce_id").value());
      assertArrayEquals("4".getBytes(StandardCharsets.UTF_8), got.get(1).headers().lastHeader("bench-seq").value());
    }
    assertTrue(dlq.isEmpty());
    assertEquals(1, fetches.get(), "the schema is fetched once");
  }

  @Test
  void undecodableRecordsGoToTheDeadLetterTopicOnly() throws IOException {
    byte[] good = avro("o-1");
    pipe("valid", framed(ID, good));
    byte[] magic = framed(ID, good);
    magic[0] = 1;
    pipe("magic-1", magic);
    pipe("unknown-id", framed(99, good));
    pipe("truncated", framed(ID, Arrays.copyOf(good, good.length - 3)));
    byte[] longer = Arrays.copyOf(good, good.length + 2);
    pipe("trailing-bytes", framed(ID, longer));
    pipe("short", new byte[] {0, 0, 0});
    List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
    assertEquals(
        List.of("magic-1", "unknown-id", "truncated", "trailing-bytes", "short"),
        dead.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList());
    for (TestOutputTopic<byte[], byte[]> out : outs) assertEquals(1, out.readRecordsToList().size());
  }
}
