package store.platform.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import store.platform.Auth;
import store.platform.Caller;
import store.platform.ProblemException;

/**
 * A peer URL whose host is a name reaches every address the name has, and follows the name as replicas come and go
 * (a compose alias gaining a scaled replica, losing one); a failed lookup changes nothing. Real HTTP servers on
 * 127.0.0.1, 127.0.0.2 and 127.0.0.3 (all loopback on Linux), one port, behind a resolver the test controls, with
 * the real {@link HttpChannel}: the name {@code cart.test} itself resolves nowhere, so every answer proves the call
 * went to an address the resolver gave.
 */
@ExtendWith(VertxExtension.class)
class PeerAddressesTest {
  private static final String NAME = "cart.test";
  private static final long REFRESH_MS = 100;

  private Vertx vertx;
  private final Map<String, HttpServer> servers = new LinkedHashMap<>();
  /** Internal requests each replica served, by its address. */
  private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
  private final Set<String> hostHeaders = ConcurrentHashMap.newKeySet();
  /** Each internal call's {@code X-Request-Budget-Ms}, in arrival order. */
  private final List<Long> budgets = new java.util.concurrent.CopyOnWriteArrayList<>();
  private int port;
  /** What the name resolves to now; null: the lookup fails. */
  private final AtomicReference<List<String>> answer = new AtomicReference<>();
  private final AtomicInteger lookups = new AtomicInteger();
  private final List<String> lookedUp = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final PeerAddresses.Resolver resolver = host -> {
    lookedUp.add(host);
    lookups.incrementAndGet();
    List<String> now = answer.get();
    if (now == null) {
      throw new UnknownHostException(host + ": lookup failed (test)");
    }
    List<InetAddress> addresses = new ArrayList<>();
    for (String ip : now) {
      addresses.add(InetAddress.getByName(ip)); // literals: no lookup
    }
    return addresses;
  };

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static void awaitUntil(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for: " + what).isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @BeforeEach
  void replicas(Vertx vertx) throws Exception {
    this.vertx = vertx;
    for (String ip : List.of("127.0.0.1", "127.0.0.2", "127.0.0.3")) {
      served.put(ip, new AtomicInteger());
      HttpServer server = await(vertx.createHttpServer().requestHandler(request -> {
        hostHeaders.add(request.authority().toString());
        if (request.path().startsWith("/internal/")) {
          served.get(ip).incrementAndGet();
          budgets.add(Long.valueOf(request.getHeader(InternalOperations.BUDGET_HEADER)));
          request.response().putHeader("Content-Type", "application/json")
              .end(new JsonObject().put("replica", ip).encode());
        } else {
          request.response().setStatusCode(404).end();
        }
      }).listen(port, ip));
      port = server.actualPort(); // the first picks a free port; the others take the same one on their address
      servers.put(ip, server);
    }
  }

  private HttpChannel channel(PeerAddresses peers) {
    Auth auth = new Auth(vertx, "unit-user-key-0123456789abcdef0123", "unit-internal-key-0123456789abcdef", 30, null);
    // a breaker that a few refused connections do not open: these tests are about where calls go
    CircuitBreakerOptions breaker = new CircuitBreakerOptions().setMaxFailures(1000).setResetTimeout(5000)
        .setTimeout(-1);
    return new HttpChannel(vertx, WebClient.create(vertx), "user", "cart", peers, auth, 2000, 2,
        Set.of("get-cart"), breaker, new CallMetrics(new SimpleMeterRegistry()));
  }

  /** {@code n} calls one after the other; how many each replica answered. */
  private Map<String, Integer> calls(HttpChannel channel, String operation, int n) throws Exception {
    served.values().forEach(c -> c.set(0));
    Map<String, Integer> answered = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      String replica = await(channel.call(operation, 0, new JsonObject(), Caller.system("user")))
          .getString("replica");
      answered.merge(replica, 1, Integer::sum);
    }
    return answered;
  }

  private List<String> addresses(PeerAddresses peers) {
    return peers.targets().stream().map(t -> t.server() == null ? t.baseUrl() : t.server().hostAddress()).toList();
  }

  @Test
  void callsRotateOverEveryAddressAndFollowTheNameAsItChanges() throws Exception {
    answer.set(List.of("127.0.0.2", "127.0.0.1"));
    PeerAddresses peers = new PeerAddresses(vertx, "cart", List.of("http://" + NAME + ":" + port + "/"), resolver,
        REFRESH_MS);
    HttpChannel channel = channel(peers);
    awaitUntil("the first lookup", () -> peers.targets().size() == 2);
    assertThat(addresses(peers)).containsExactly("127.0.0.1", "127.0.0.2");
    assertThat(calls(channel, "get-cart", 20)).as("both addresses, in turn")
        .isEqualTo(Map.of("127.0.0.1", 10, "127.0.0.2", 10));
    assertThat(hostHeaders).as("the request names the URL's host; only the connection goes to the address")
        .containsExactly(NAME + ":" + port);

    // a third replica joins the alias (docker compose up --scale cart-service=3)
    answer.set(List.of("127.0.0.3", "127.0.0.1", "127.0.0.2"));
    awaitUntil("the refresh that finds 127.0.0.3", () -> peers.targets().size() == 3);
    assertThat(calls(channel, "get-cart", 30)).as("the new replica gets its share")
        .isEqualTo(Map.of("127.0.0.1", 10, "127.0.0.2", 10, "127.0.0.3", 10));

    // one leaves
    answer.set(List.of("127.0.0.3", "127.0.0.2"));
    awaitUntil("the refresh that drops 127.0.0.1", () -> peers.targets().size() == 2);
    assertThat(calls(channel, "get-cart", 20)).as("none to the replica that left")
        .isEqualTo(Map.of("127.0.0.2", 10, "127.0.0.3", 10));

    // the DNS server fails, then answers nothing: the last known addresses stay
    answer.set(null);
    int before = lookups.get();
    awaitUntil("two failed lookups", () -> lookups.get() >= before + 2);
    assertThat(addresses(peers)).containsExactly("127.0.0.2", "127.0.0.3");
    assertThat(calls(channel, "get-cart", 20)).isEqualTo(Map.of("127.0.0.2", 10, "127.0.0.3", 10));
    answer.set(List.of());
    int beforeEmpty = lookups.get();
    awaitUntil("two empty answers", () -> lookups.get() >= beforeEmpty + 2);
    assertThat(addresses(peers)).containsExactly("127.0.0.2", "127.0.0.3");
    assertThat(calls(channel, "get-cart", 20)).isEqualTo(Map.of("127.0.0.2", 10, "127.0.0.3", 10));
    assertThat(lookedUp).as("the URL's host is what is looked up").containsOnly(NAME);
    peers.close();
  }

  @Test
  void aRetryGoesToTheNextAddressAndAnOperationThatIsNotIdempotentIsNotRetried() throws Exception {
    answer.set(List.of("127.0.0.1", "127.0.0.2"));
    PeerAddresses peers = new PeerAddresses(vertx, "cart", List.of("http://" + NAME + ":" + port), resolver,
        REFRESH_MS);
    HttpChannel channel = channel(peers);
    awaitUntil("the first lookup", () -> peers.targets().size() == 2);
    // 127.0.0.1 stops listening, but the name still answers it (a replica that died since the last refresh)
    await(servers.get("127.0.0.1").close());
    assertThat(calls(channel, "get-cart", 10)).as("every refused try is retried on the next address")
        .isEqualTo(Map.of("127.0.0.2", 10));
    // a non-idempotent operation's try on the dead address is not repeated elsewhere: 503, as before this change
    Map<String, Integer> outcomes = new TreeMap<>();
    for (int i = 0; i < 4; i++) {
      try {
        outcomes.merge(await(channel.call("checkout", 0, new JsonObject(), Caller.system("user")))
            .getString("replica"), 1, Integer::sum);
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isInstanceOf(ProblemException.class);
        outcomes.merge("HTTP " + ((ProblemException) e.getCause()).status(), 1, Integer::sum);
      }
    }
    assertThat(outcomes).as("every other call meets the dead address once, and fails").isEqualTo(
        Map.of("127.0.0.2", 2, "HTTP 503", 2));
    peers.close();
  }

  @Test
  void literalAddressesAreUsedAsWrittenAndNeverLookedUp() throws Exception {
    answer.set(List.of("127.0.0.3"));
    PeerAddresses peers = new PeerAddresses(vertx, "cart", List.of("http://127.0.0.1:" + port,
        "http://127.0.0.2:" + port), resolver, REFRESH_MS);
    HttpChannel channel = channel(peers);
    Thread.sleep(3 * REFRESH_MS);
    assertThat(lookups.get()).isZero();
    assertThat(peers.targets()).allSatisfy(t -> assertThat(t.server()).isNull());
    assertThat(calls(channel, "get-cart", 10)).isEqualTo(Map.of("127.0.0.1", 5, "127.0.0.2", 5));
    peers.close();
  }

  @Test
  void everyCallTellsThePeerHowLongItWillWait() throws Exception {
    PeerAddresses peers = new PeerAddresses(vertx, "cart", List.of("http://127.0.0.1:" + port), resolver, REFRESH_MS);
    HttpChannel channel = channel(peers);
    await(channel.call("get-cart", 0, new JsonObject(), Caller.system("user")));
    await(channel.call("get-cart", 1, new JsonObject(), Caller.system("user")));
    await(channel.call("get-cart", 1, new JsonObject(),
        Caller.system("user").withDeadline(System.currentTimeMillis() + 500)));
    assertThat(budgets).hasSize(3);
    assertThat(budgets.subList(0, 2)).as("one call's time per level").containsExactly(2000L, 4000L);
    assertThat(budgets.get(2)).as("what is left of the caller's own 500 ms").isBetween(1L, 500L);
    peers.close();
  }

  @Test
  void anAddressNamedByTwoUrlsIsOneTargetAndIpv4IsPreferred() throws Exception {
    answer.set(List.of("::1", "127.0.0.1", "127.0.0.3"));
    PeerAddresses peers = new PeerAddresses(vertx, "cart", List.of("http://127.0.0.1:" + port,
        "http://" + NAME + ":" + port), resolver, REFRESH_MS);
    awaitUntil("the first lookup", () -> peers.targets().size() == 2);
    Thread.sleep(2 * REFRESH_MS);
    assertThat(addresses(peers)).as("127.0.0.1 once; no IPv6 address while the name has IPv4 ones")
        .containsExactly("http://127.0.0.1:" + port, "127.0.0.3");
    assertThat(calls(channel(peers), "get-cart", 10)).isEqualTo(Map.of("127.0.0.1", 5, "127.0.0.3", 5));
    peers.close();
  }

  @Test
  void refreshingCanBeTurnedOff() throws Exception {
    answer.set(List.of("127.0.0.2"));
    PeerAddresses peers = new PeerAddresses(vertx, "cart", List.of("http://" + NAME + ":" + port), resolver, 0);
    Thread.sleep(3 * REFRESH_MS);
    assertThat(lookups.get()).isZero();
    assertThat(peers.targets()).extracting(PeerAddresses.Target::baseUrl).containsExactly("http://" + NAME + ":"
        + port);
    peers.close();
  }
}
