package dev.crossdock.bench;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Per record: the Confluent framing (magic byte 0, 4-byte big-endian schema id), the writer schema
 * by id (cached), a full decode of the body with Apache Avro's GenericDatumReader, which must use
 * every byte. Valid: the original record (key, value, headers) to every output. Invalid: to the
 * dead-letter sink. One instance per task, so per thread: the readers and the decoder are reused.
 */
final class Validate implements Processor<byte[], byte[], byte[], byte[]> {
  static final LongAdder PROCESSED = new LongAdder();
  static final LongAdder DEAD_LETTERS = new LongAdder();

  private final Registry registry;
  private final List<String> outputs;
  private final String deadLetters;
  private final Map<Integer, GenericDatumReader<Object>> readers = new HashMap<>();
  private ProcessorContext<byte[], byte[]> context;
  private BinaryDecoder decoder;
  private Object reuse;

  Validate(Registry registry, List<String> outputs, String deadLetters) {
    this.registry = registry;
    this.outputs = outputs;
    this.deadLetters = deadLetters;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    PROCESSED.increment();
    if (valid(record.value())) {
      for (String out : outputs) context.forward(record, out);
    } else {
      DEAD_LETTERS.increment();
      context.forward(record, deadLetters);
    }
  }

  private boolean valid(byte[] value) {
    if (value == null || value.length < 5 || value[0] != 0) return false;
    int id = ((value[1] & 0xff) << 24) | ((value[2] & 0xff) << 16) | ((value[3] & 0xff) << 8) | (value[4] & 0xff);
    GenericDatumReader<Object> reader = readers.get(id);
    if (reader == null) {
      Schema schema = registry.schema(id); // throws when the registry cannot answer: the task fails
      if (schema == null) return false; // no such schema id
      reader = new GenericDatumReader<>(schema);
      readers.put(id, reader);
    }
    decoder = DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, decoder);
    try {
      reuse = reader.read(reuse, decoder);
      return decoder.isEnd();
    } catch (IOException | RuntimeException e) {
      reuse = null;
      return false;
    }
  }
}
