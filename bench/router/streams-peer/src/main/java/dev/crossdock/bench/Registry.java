package dev.crossdock.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/**
 * Writer schemas by id from a Confluent-compatible registry (`GET <url>/schemas/ids/<id>`), each
 * fetched once and shared by every stream thread.
 */
final class Registry {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String url;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<Integer, Optional<Schema>> schemas = new ConcurrentHashMap<>();
  private final AtomicInteger fetched = new AtomicInteger();

  Registry(String url) {
    this.url = url.replaceAll("/+$", "");
  }

  /** The schema, or null when the registry has no schema with this id. */
  Schema schema(int id) {
    return schemas.computeIfAbsent(id, this::fetch).orElse(null);
  }

  int fetched() {
    return fetched.get();
  }

  private Optional<Schema> fetch(int id) {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(url + "/schemas/ids/" + id))
            .header("Accept", "application/vnd.schemaregistry.v1+json, application/json")
            .timeout(Duration.ofSeconds(10))
            .GET()
            .build();
    try {
      HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (res.statusCode() == 404) return Optional.empty();
      if (res.statusCode() != 200)
        throw new IllegalStateException("registry answered " + res.statusCode() + " for schema id " + id);
      JsonNode body = JSON.readTree(res.body());
      fetched.incrementAndGet();
      return Optional.of(new Schema.Parser().parse(body.get("schema").asText()));
    } catch (IOException e) {
      throw new UncheckedIOException("registry: schema id " + id, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted fetching schema id " + id, e);
    }
  }
}
