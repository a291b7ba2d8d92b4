package store.testing;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Hostile requests for every operation of every contract in {@code conf/openapi}, generated from the contracts
 * themselves, so a new route is covered the day it is declared: every authorisation variant an attacker tries, and
 * for each path parameter, query parameter and body property the wrong type, the value past each bound, huge and
 * non-ASCII text, a missing required field, duplicated parameters and broken bodies.
 *
 * <p>A probe says what it expects: {@link Expect#UNAUTHORIZED} (401), {@link Expect#REJECTED} (any 4xx) or
 * {@link Expect#NO_SERVER_ERROR} (any answer but a 5xx, for variants that may be legitimately accepted, like a
 * duplicated filter on a read). Every 4xx must be an {@code application/problem+json}. Writes only ever get
 * variants that must be rejected, so a probe can never change state by being accepted.
 */
public final class HostileRequests {
  private static final List<String> SERVICES = List.of("catalog", "cart", "order", "user");
  /** Long, and 3.6 KB percent-encoded: past every field limit, within the request line a server accepts. */
  private static final String HUGE = "é".repeat(600);

  public enum Expect { UNAUTHORIZED, REJECTED, NO_SERVER_ERROR }

  /** One request to send. {@code body}: a JsonObject, a raw Buffer (with its content type in headers), or null. */
  public record Probe(String operation, String variant, HttpMethod method, String service, String path,
      String token, Object body, MultiMap headers, Expect expect) {
    @Override
    public String toString() {
      return operation + " [" + variant + "] " + method + " " + service + path;
    }
  }

  /**
   * What the probes are aimed at: real ids (so a rejected write would hit a real object, and the test can show it
   * was not changed), and the tokens of a regular user and of an admin.
   */
  public record Target(Map<String, String> pathValues, String userToken, String adminToken,
      Map<String, String> badAuthorizations) {
  }

  private HostileRequests() {
  }

  public static List<Probe> against(Target target) {
    List<Probe> probes = new ArrayList<>();
    for (String service : SERVICES) {
      JsonObject document = contract(service);
      JsonObject paths = document.getJsonObject("paths");
      for (String path : paths.fieldNames()) {
        JsonObject item = paths.getJsonObject(path);
        for (String method : List.of("get", "post", "put", "delete")) {
          JsonObject operation = item.getJsonObject(method);
          if (operation != null) {
            new OperationProbes(document, service, path, HttpMethod.valueOf(method.toUpperCase()), item, operation,
                target, probes).generate();
          }
        }
      }
    }
    return probes;
  }

  /** The contract as the services read it: {@code conf/openapi/<service>.yaml} of the repository. */
  static JsonObject contract(String service) {
    Path file = Path.of("..", "conf", "openapi", service + ".yaml");
    if (!Files.isRegularFile(file)) {
      file = Path.of("conf", "openapi", service + ".yaml");
    }
    try {
      Map<String, Object> yaml = new org.yaml.snakeyaml.Yaml().load(Files.readString(file));
      return new JsonObject(yaml);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file.toAbsolutePath(), e);
    }
  }

  private static final class OperationProbes {
    private final JsonObject document;
    private final String service;
    private final String template;
    private final HttpMethod method;
    private final JsonObject operation;
    private final Target target;
    private final List<Probe> out;
    private final String id;
    private final List<JsonObject> parameters = new ArrayList<>();
    private final String token;

    OperationProbes(JsonObject document, String service, String template, HttpMethod method, JsonObject item,
        JsonObject operation, Target target, List<Probe> out) {
      this.document = document;
      this.service = service;
      this.template = template;
      this.method = method;
      this.operation = operation;
      this.target = target;
      this.out = out;
      this.id = operation.getString("operationId");
      item.getJsonArray("parameters", new JsonArray()).forEach(p -> parameters.add(resolve((JsonObject) p)));
      operation.getJsonArray("parameters", new JsonArray()).forEach(p -> parameters.add(resolve((JsonObject) p)));
      boolean admin = operation.getJsonArray("x-roles", new JsonArray()).contains("admin");
      this.token = !secured() ? null : admin ? target.adminToken() : target.userToken();
    }

    private JsonObject resolve(JsonObject node) {
      String ref = node.getString("$ref");
      if (ref == null) {
        return node;
      }
      JsonObject found = document;
      for (String part : ref.substring(2).split("/")) {
        found = found.getJsonObject(part);
      }
      return resolve(found);
    }

    private boolean secured() {
      JsonArray security = operation.containsKey("security") ? operation.getJsonArray("security")
          : document.getJsonArray("security", new JsonArray());
      return !security.isEmpty() && security.stream().noneMatch(r -> ((JsonObject) r).isEmpty());
    }

    private boolean isWrite() {
      return method != HttpMethod.GET;
    }

    void generate() {
      String validPath = path(Map.of());
      String validQuery = query(Map.of());
      if (secured()) {
        target.badAuthorizations().forEach((what, header) -> {
          MultiMap headers = MultiMap.caseInsensitiveMultiMap();
          if (header != null) {
            headers.add("Authorization", header);
          }
          add("auth: " + what, validPath + validQuery, null, validBody(), headers, Expect.UNAUTHORIZED);
        });
      }
      for (JsonObject p : parameters) {
        String name = p.getString("name");
        JsonObject schema = resolve(p.getJsonObject("schema", new JsonObject()));
        switch (p.getString("in")) {
          case "path" -> pathProbes(name, schema, validQuery);
          case "query" -> queryProbes(name, schema, validPath);
          case "header" -> add("header " + name + " huge", validPath + validQuery, token, validBody(),
              MultiMap.caseInsensitiveMultiMap().add(name, "h".repeat(300)), Expect.REJECTED);
          default -> { }
        }
      }
      JsonObject bodySchema = bodySchema();
      if (bodySchema != null) {
        bodyProbes(bodySchema, validPath + validQuery);
      }
      // past the server's request-line limit: refused before any route, still with a problem
      add("request line too long", validPath + (validQuery.isEmpty() ? "?" : validQuery + "&") + "pad="
          + "p".repeat(9000), validBody(), Expect.REJECTED);
      if (!isWrite()) { // a body a GET should not have, declared as a form or multipart: ignored, never a 5xx
        for (String type : List.of("application/x-www-form-urlencoded", "multipart/form-data; boundary=b")) {
          add("a GET with a " + type + " body", validPath + validQuery, token, Buffer.buffer("a=1"),
              MultiMap.caseInsensitiveMultiMap().add("Content-Type", type), Expect.NO_SERVER_ERROR);
        }
      }
    }

    private void add(String variant, String pathAndQuery, String probeToken, Object body, MultiMap headers,
        Expect expect) {
      if (body instanceof Buffer && !headers.contains("Content-Type")) {
        headers.add("Content-Type", "application/json");
      }
      out.add(new Probe(id, variant, method, service, pathAndQuery, probeToken, body, headers, expect));
    }

    private void add(String variant, String pathAndQuery, Object body, Expect expect) {
      add(variant, pathAndQuery, token, body, MultiMap.caseInsensitiveMultiMap(), expect);
    }

    // ---- paths and queries ----

    private String path(Map<String, String> overrides) {
      String path = template;
      for (JsonObject p : parameters) {
        if ("path".equals(p.getString("in"))) {
          String name = p.getString("name");
          String value = overrides.containsKey(name) ? overrides.get(name)
              : target.pathValues().getOrDefault(name, UUID.randomUUID().toString());
          path = path.replace("{" + name + "}", value);
        }
      }
      return path;
    }

    private String query(Map<String, String> overrides) {
      StringBuilder query = new StringBuilder();
      for (JsonObject p : parameters) {
        String name = p.getString("name");
        if (!"query".equals(p.getString("in"))) {
          continue;
        }
        String value = overrides.containsKey(name) ? overrides.get(name)
            : p.getBoolean("required", false) ? validValue(resolve(p.getJsonObject("schema"))) : null;
        if (value != null) {
          query.append(query.length() == 0 ? "?" : "&").append(value.startsWith("\u0000") ? value.substring(1)
              : name + "=" + value);
        }
      }
      return query.toString();
    }

    private static String encode(String value) {
      return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private void pathProbes(String name, JsonObject schema, String validQuery) {
      boolean uuid = schema.getString("pattern", "").contains("[0-9a-fA-F]{8}") || name.endsWith("_id");
      Expect expect = uuid ? Expect.REJECTED : Expect.NO_SERVER_ERROR; // a category of any name is a valid read
      if (uuid) {
        add("path " + name + " not a uuid", path(Map.of(name, "not-a-uuid")) + validQuery, validBody(), expect);
        add("path " + name + " sql-ish", path(Map.of(name, encode("1' OR '1'='1"))) + validQuery, validBody(),
            expect);
      }
      add("path " + name + " huge", path(Map.of(name, encode(HUGE))) + validQuery, validBody(),
          isWrite() ? Expect.REJECTED : expect);
      add("path " + name + " traversal", path(Map.of(name, "..%2F..%2Finternal%2Freserve")) + validQuery,
          validBody(), isWrite() || uuid ? Expect.REJECTED : Expect.NO_SERVER_ERROR);
      add("path " + name + " malformed percent-encoding", path(Map.of(name, "%E0%A4%A")) + validQuery, validBody(),
          Expect.REJECTED);
    }

    private void queryProbes(String name, JsonObject schema, String validPath) {
      String type = schema.getString("type", "string");
      for (String wrong : wrongQueryValues(schema)) {
        add("query " + name + "=" + abbreviate(wrong), validPath + query(Map.of(name, encode(wrong))), validBody(),
            Expect.REJECTED);
      }
      if (!isWrite()) { // variants that a read may accept, but never with a 5xx
        String valid = validValue(schema);
        add("query " + name + " twice", validPath + query(Map.of(name, "\u0000" + name + "=" + valid + "&" + name
            + "=" + valid)), validBody(), Expect.NO_SERVER_ERROR);
        if ("string".equals(type) && !schema.containsKey("enum")) {
          add("query " + name + " unicode", validPath + query(Map.of(name, encode("Ünïcødé ☃ 💥"))), validBody(),
              Expect.NO_SERVER_ERROR);
          add("query " + name + " huge", validPath + query(Map.of(name, encode(HUGE))), validBody(),
              Expect.NO_SERVER_ERROR);
        }
        add("query " + name + " empty", validPath + query(Map.of(name, "")), validBody(), Expect.NO_SERVER_ERROR);
        if ("integer".equals(type)) { // integers the contract takes, which Integer.valueOf of the raw text does not
          for (String integral : List.of("1e0", "1.0")) {
            add("query " + name + "=" + integral, validPath + query(Map.of(name, integral)), validBody(),
                Expect.NO_SERVER_ERROR);
          }
        }
      }
    }

    private List<String> wrongQueryValues(JsonObject schema) {
      List<String> wrong = new ArrayList<>();
      switch (schema.getString("type", "string")) {
        case "integer" -> {
          wrong.add("abc");
          wrong.add("1.5");
          wrong.add("99999999999999999999999");
        }
        case "number" -> {
          wrong.add("abc");
          wrong.add("1e999x");
        }
        case "boolean" -> wrong.add("maybe");
        default -> { }
      }
      if (schema.containsKey("minimum")) {
        wrong.add(Long.toString(schema.getNumber("minimum").longValue() - 1));
      }
      if (schema.containsKey("maximum")) {
        wrong.add(Long.toString(schema.getNumber("maximum").longValue() + 1));
      }
      if (schema.containsKey("enum")) {
        wrong.add("NOT_ONE_OF_THEM");
      }
      if (schema.containsKey("maxLength")) {
        wrong.add("q".repeat(schema.getInteger("maxLength") + 1));
      }
      return wrong;
    }

    private String validValue(JsonObject schema) {
      if (schema.containsKey("enum")) {
        return schema.getJsonArray("enum").getValue(0).toString();
      }
      return switch (schema.getString("type", "string")) {
        case "integer", "number" -> schema.containsKey("minimum") ? schema.getValue("minimum").toString() : "1";
        case "boolean" -> "true";
        default -> target.pathValues().getOrDefault("category", "x");
      };
    }

    private static String abbreviate(String value) {
      return value.length() > 24 ? value.substring(0, 24) + "…" : value;
    }

    // ---- bodies ----

    private JsonObject bodySchema() {
      // an operation whose body the service parses itself (the token's form or JSON) is probed with its JSON form
      JsonObject body = operation.getJsonObject("requestBody", operation.getJsonObject("x-served-request-body"));
      if (body == null) {
        return null;
      }
      JsonObject json = resolve(body).getJsonObject("content", new JsonObject()).getJsonObject("application/json");
      return json == null ? null : resolve(json.getJsonObject("schema", new JsonObject()));
    }

    /** A valid body for the operation (only used where another part of the request is hostile), or null. */
    private JsonObject validBody() {
      JsonObject schema = bodySchema();
      return schema == null ? null : (JsonObject) valid(schema);
    }

    private Object valid(JsonObject schema) {
      schema = resolve(schema);
      if (schema.containsKey("enum")) {
        return schema.getJsonArray("enum").getValue(0);
      }
      Object type = schema.getValue("type");
      String kind = type instanceof JsonArray types ? types.getString(0) : String.valueOf(type);
      return switch (kind) {
        case "object" -> {
          JsonObject object = new JsonObject();
          JsonObject properties = schema.getJsonObject("properties", new JsonObject());
          JsonArray required = schema.getJsonArray("required", new JsonArray());
          for (String property : properties.fieldNames()) {
            if (required.contains(property) || required.isEmpty() && object.isEmpty()) {
              object.put(property, valid(properties.getJsonObject(property)));
            }
          }
          yield object;
        }
        case "array" -> new JsonArray().add(valid(schema.getJsonObject("items", new JsonObject())));
        case "integer" -> schema.getInteger("minimum", 1);
        case "number" -> 1.5;
        case "boolean" -> true;
        default -> {
          if (schema.getString("pattern", "").contains("[0-9a-fA-F]{8}")) {
            yield target.pathValues().getOrDefault("product_id", UUID.randomUUID().toString());
          }
          if (schema.getString("pattern", "").contains("@")) {
            yield "someone@example.org";
          }
          if (schema.getString("pattern", "").contains("+0-9")) {
            yield "+100200300";
          }
          yield "v".repeat(Math.max(6, schema.getInteger("minLength", 1)));
        }
      };
    }

    private void bodyProbes(JsonObject schema, String pathAndQuery) {
      JsonObject base = (JsonObject) valid(schema);
      add("body not json", pathAndQuery, Buffer.buffer("{\"unclosed\": "), Expect.REJECTED);
      add("body an array", pathAndQuery, Buffer.buffer("[]"), Expect.REJECTED);
      add("body null", pathAndQuery, Buffer.buffer("null"), Expect.REJECTED);
      add("body empty", pathAndQuery, Buffer.buffer(""), Expect.REJECTED);
      add("body as text/plain", pathAndQuery, token, Buffer.buffer(base.encode()),
          MultiMap.caseInsensitiveMultiMap().add("Content-Type", "text/plain"), Expect.REJECTED);
      JsonArray required = schema.getJsonArray("required", new JsonArray());
      for (Object name : required) {
        JsonObject missing = base.copy();
        missing.remove(name.toString());
        add("body without " + name, pathAndQuery, missing, Expect.REJECTED);
      }
      JsonObject properties = schema.getJsonObject("properties", new JsonObject());
      for (String name : properties.fieldNames()) {
        JsonObject property = resolve(properties.getJsonObject(name));
        for (Object wrong : wrongValues(property)) {
          add("body " + name + "=" + abbreviate(String.valueOf(wrong)), pathAndQuery, base.copy().put(name, wrong),
              Expect.REJECTED);
        }
        // arrays of objects (an order's lines): each property of an element, wrong in turn
        JsonObject items = property.containsKey("items") ? resolve(property.getJsonObject("items")) : null;
        if (items != null && items.containsKey("properties")) {
          JsonObject element = (JsonObject) valid(items);
          JsonObject itemProperties = items.getJsonObject("properties");
          for (String inner : itemProperties.fieldNames()) {
            for (Object wrong : wrongValues(resolve(itemProperties.getJsonObject(inner)))) {
              add("body " + name + "[0]." + inner + "=" + abbreviate(String.valueOf(wrong)), pathAndQuery,
                  base.copy().put(name, new JsonArray().add(element.copy().put(inner, wrong))), Expect.REJECTED);
            }
          }
        }
      }
      // fields the contract does not know, hostile ones included, next to a missing required field: still a 400
      // naming the missing field, never a 500 (extra fields are ignored, as the original system's clients expect)
      if (!required.isEmpty()) {
        JsonObject extra = base.copy().put("is_admin", true).put("user_id", "someone-else").put("status", "DELIVERED")
            .put("__proto__", new JsonObject().put("admin", true)).put(HUGE, HUGE);
        extra.remove(required.getString(0));
        add("body with unknown fields, without " + required.getString(0), pathAndQuery, extra, Expect.REJECTED);
      }
    }

    private List<Object> wrongValues(JsonObject schema) {
      List<Object> wrong = new ArrayList<>();
      Object type = schema.getValue("type");
      String kind = type instanceof JsonArray types ? types.getString(0) : String.valueOf(type);
      boolean nullable = type instanceof JsonArray types && types.contains("null");
      switch (kind) {
        case "string" -> {
          wrong.add(12345);
          wrong.add(new JsonObject().put("$gt", ""));
          if (schema.containsKey("maxLength")) {
            wrong.add("ü".repeat(schema.getInteger("maxLength") + 1));
          }
          if (schema.getInteger("minLength", 0) > 1) {
            wrong.add("ü".repeat(schema.getInteger("minLength") - 1));
          }
          if (schema.containsKey("pattern")) {
            wrong.add("💥<script>\u0000");
          }
        }
        case "integer" -> {
          wrong.add("12");
          wrong.add(1.5);
          wrong.add(Long.MAX_VALUE);
        }
        case "number" -> wrong.add("1.5");
        case "boolean" -> wrong.add("yes");
        case "array" -> {
          wrong.add(new JsonObject());
          wrong.add(new JsonArray().add("not an object"));
          if (schema.containsKey("maxItems")) {
            JsonArray tooMany = new JsonArray();
            for (int i = 0; i <= schema.getInteger("maxItems"); i++) {
              tooMany.add(valid(schema.getJsonObject("items", new JsonObject())));
            }
            wrong.add(tooMany);
          }
          if (schema.getInteger("minItems", 0) > 0) {
            wrong.add(new JsonArray());
          }
        }
        case "object" -> wrong.add(new JsonArray());
        default -> { }
      }
      if (schema.containsKey("minimum")) {
        wrong.add(schema.getNumber("minimum").longValue() - 1);
      }
      if (schema.containsKey("exclusiveMinimum")) {
        wrong.add(schema.getNumber("exclusiveMinimum"));
      }
      if (schema.containsKey("maximum")) {
        wrong.add(schema.getNumber("maximum").longValue() + 1);
      }
      if (schema.containsKey("enum")) {
        wrong.add("NOT_ONE_OF_THEM");
      }
      if (!nullable) {
        wrong.add(null);
      }
      return wrong;
    }
  }
}
