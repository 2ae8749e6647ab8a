package dev.crossdock.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;

/**
 * The router benchmark's peer arm S: crossdock's validate-and-fan-out written the way a JVM team
 * would, as a Kafka Streams app with exactly_once_v2.
 *
 * <p>Topology: one source over the ingress topics (bytes in, untouched), the {@link Validate}
 * processor (Confluent framing, writer schema from the registry by id, Apache Avro decode), one
 * sink per output topic and one for the dead-letter topic. A valid record goes to every output
 * with its original key, value and headers; one that fails to decode goes to the dead-letter topic
 * only.
 *
 * <p>The bench (bench/router/streams-peer.ts) times this process from outside, by the group's
 * committed offsets, so the app has no clock of its own. On SIGTERM it closes Kafka Streams and
 * prints one JSON line of counters on stdout.
 *
 * <pre>
 * java -jar streams-peer.jar --bootstrap 127.0.0.1:19092 --registry http://…/apis/ccompat/v7 \
 *   --application-id bench-s-1 --inputs a.ingress.x,a.ingress.y --outputs a.deliver.s1 \
 *   --dlq a.dlq.router [--threads 2] [--state-dir /tmp/…] [--commit-interval-ms 100]
 * </pre>
 */
public final class StreamsPeer {
  private StreamsPeer() {}

  public static void main(String[] argv) throws InterruptedException {
    Map<String, String> args = parse(argv);
    List<String> inputs = list(args, "inputs");
    List<String> outputs = list(args, "outputs");
    String dlq = required(args, "dlq");
    int threads = Integer.parseInt(args.getOrDefault("threads", "2"));
    Registry registry = new Registry(required(args, "registry"));
    Topology topology = topology(registry, inputs, outputs, dlq);

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, required(args, "application-id"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, required(args, "bootstrap"));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    // A single broker: internal topics (none in this stateless topology) with one replica.
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    if (args.containsKey("state-dir")) props.put(StreamsConfig.STATE_DIR_CONFIG, args.get("state-dir"));
    // Unset: Kafka Streams' default under exactly-once (100 ms).
    if (args.containsKey("commit-interval-ms"))
      props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Long.parseLong(args.get("commit-interval-ms")));

    KafkaStreams streams = new KafkaStreams(topology, props);
    CountDownLatch failed = new CountDownLatch(1);
    AtomicBoolean closing = new AtomicBoolean(false);
    streams.setUncaughtExceptionHandler(
        e -> {
          System.err.println("streams-peer: stream thread failed: " + e);
          return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    streams.setStateListener(
        (next, previous) -> {
          if (next == KafkaStreams.State.PENDING_ERROR || next == KafkaStreams.State.ERROR)
            failed.countDown();
        });
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  closing.set(true);
                  streams.close(Duration.ofSeconds(15));
                  System.out.println(
                      "{\"processed\":"
                          + Validate.PROCESSED.sum()
                          + ",\"deadLetters\":"
                          + Validate.DEAD_LETTERS.sum()
                          + ",\"schemasFetched\":"
                          + registry.fetched()
                          + ",\"threads\":"
                          + threads
                          + "}");
                  System.out.flush();
                },
                "streams-peer-shutdown"));
    streams.start();
    failed.await();
    // Kafka Streams stopped on its own (a thread failed): the bench sees the exit code.
    if (!closing.get()) System.exit(2);
  }

  /** ingress topics → validate → one sink per output topic, and the dead-letter sink. */
  static Topology topology(Registry registry, List<String> inputs, List<String> outputs, String dlq) {
    Topology topology = new Topology();
    ByteArrayDeserializer bytesIn = new ByteArrayDeserializer();
    ByteArraySerializer bytesOut = new ByteArraySerializer();
    topology.addSource("ingress", bytesIn, bytesIn, inputs.toArray(new String[0]));
    List<String> outputNodes = new ArrayList<>();
    for (int i = 0; i < outputs.size(); i++) outputNodes.add("out-" + (i + 1));
    topology.addProcessor("validate", () -> new Validate(registry, outputNodes, "dlq"), "ingress");
    for (int i = 0; i < outputs.size(); i++)
      topology.addSink(outputNodes.get(i), outputs.get(i), bytesOut, bytesOut, "validate");
    topology.addSink("dlq", dlq, bytesOut, bytesOut, "validate");
    return topology;
  }

  static Map<String, String> parse(String[] argv) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < argv.length; i++) {
      if (!argv[i].startsWith("--") || i + 1 >= argv.length)
        throw new IllegalArgumentException("expected --name value, got " + Arrays.toString(argv));
      out.put(argv[i].substring(2), argv[++i]);
    }
    return out;
  }

  private static String required(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("--" + name + " is required");
    return v;
  }

  private static List<String> list(Map<String, String> args, String name) {
    return Arrays.asList(required(args, name).split(","));
  }
}
