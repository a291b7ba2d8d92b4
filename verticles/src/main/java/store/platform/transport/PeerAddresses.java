package store.platform.transport;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Where a peer's calls go: its base URLs (CART_SERVICE_URL and the like, comma-separated), with every host name
 * looked up again every {@code refreshMs} to all its addresses, so a call reaches each replica behind a name that
 * several share (a compose network alias, a headless Kubernetes Service), including replicas started after this
 * process. Calls rotate over every address of every URL; a literal IP is one address, as written.
 *
 * <p>A lookup runs on a worker thread (the JDK's resolver blocks), never on an event loop. A lookup that fails or
 * answers nothing keeps the addresses the name had; until its first answer, a name is left to the HTTP client's
 * own resolver (one address). IPv4 addresses only when a name has any (the services listen on 0.0.0.0).
 * The request still names the URL's host (Host header, TLS server name); only the connection goes to the address.
 */
public final class PeerAddresses {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PeerAddresses.class);
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /** Looks a host name up; may block (it runs on a worker thread). */
  @FunctionalInterface
  public interface Resolver {
    List<InetAddress> resolve(String host) throws Exception;

    /** The JDK's resolver: /etc/hosts, then DNS (Docker's embedded DNS, the cluster DNS in Kubernetes). */
    static Resolver system() {
      return host -> List.of(InetAddress.getAllByName(host));
    }
  }

  /**
   * One place a call can go: the base URL it names, and the address to connect to ({@code null}: the URL's host as
   * written, an IP literal or a name the HTTP client resolves itself).
   */
  public record Target(String baseUrl, SocketAddress server) {
    @Override
    public String toString() {
      return server == null ? baseUrl : baseUrl + "@" + server.hostAddress();
    }
  }

  /** One configured base URL and what its host resolves to now. */
  private static final class Entry {
    final String baseUrl;
    final String scheme;
    final String host;
    final int port;
    final boolean literal;
    volatile List<Target> targets;
    boolean lookingUp;
    boolean failing;

    Entry(String baseUrl) {
      this.baseUrl = baseUrl;
      URI uri = URI.create(baseUrl);
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("A peer URL needs a host: '" + baseUrl + "'");
      }
      this.scheme = uri.getScheme() == null ? "http" : uri.getScheme().toLowerCase();
      this.host = uri.getHost();
      this.port = uri.getPort() > 0 ? uri.getPort() : "https".equals(scheme) ? 443 : 80;
      this.literal = host.startsWith("[") || IPV4.matcher(host).matches();
      this.targets = List.of(new Target(baseUrl, null));
    }
  }

  private final Vertx vertx;
  private final String service;
  private final Resolver resolver;
  private final List<Entry> entries;
  private final AtomicInteger next = new AtomicInteger();
  private volatile List<Target> targets;
  private final long timer;

  /**
   * @param refreshMs how often names are looked up again; 0 or less: never (each name is left to the HTTP client,
   *     which connects to one of its addresses)
   */
  public PeerAddresses(Vertx vertx, String service, List<String> baseUrls, Resolver resolver, long refreshMs) {
    if (baseUrls.isEmpty()) {
      throw new IllegalArgumentException("No URL for the " + service + " service");
    }
    this.vertx = vertx;
    this.service = service;
    this.resolver = resolver;
    this.entries = baseUrls.stream().map(String::strip)
        .map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).map(Entry::new).toList();
    rebuild();
    boolean names = entries.stream().anyMatch(e -> !e.literal);
    if (refreshMs > 0 && names) {
      timer = vertx.setPeriodic(refreshMs, id -> refresh());
      refresh();
    } else {
      timer = -1;
    }
  }

  /** The target of the next call (or retry): calls rotate over every address. */
  public Target next() {
    List<Target> now = targets;
    return now.get(Math.floorMod(next.getAndIncrement(), now.size()));
  }

  /** Every target calls rotate over now. */
  public List<Target> targets() {
    return targets;
  }

  /** Looks every name up once more (the timer does this every {@code refreshMs}); completes when all answered. */
  public Future<Void> refresh() {
    List<Future<?>> lookups = new ArrayList<>();
    for (Entry entry : entries) {
      if (!entry.literal) {
        lookups.add(lookUp(entry));
      }
    }
    return Future.join(lookups).mapEmpty();
  }

  private Future<Void> lookUp(Entry entry) {
    synchronized (entry) {
      if (entry.lookingUp) {
        return Future.succeededFuture(); // a slow DNS answer is still awaited: no pile-up of lookups
      }
      entry.lookingUp = true;
    }
    return vertx.executeBlocking(() -> resolver.resolve(entry.host), false)
        .transform(ar -> {
          synchronized (entry) {
            entry.lookingUp = false;
            List<InetAddress> found = ar.succeeded() && ar.result() != null ? ar.result() : List.of();
            if (found.isEmpty()) {
              if (!entry.failing) {
                LOG.warn("{} service: looking up {} {}; calls keep going to {}", service, entry.host,
                    ar.failed() ? "failed (" + ar.cause() + ")" : "found no address", entry.targets);
              }
              entry.failing = true;
              return Future.succeededFuture();
            }
            entry.failing = false;
            List<Target> resolved = targetsOf(entry, found);
            if (!resolved.equals(entry.targets)) {
              LOG.info("{} service: {} now resolves to {} address(es): {}", service, entry.host, resolved.size(),
                  resolved.stream().map(t -> t.server().hostAddress()).toList());
              entry.targets = resolved;
              rebuild();
            }
            return Future.succeededFuture();
          }
        });
  }

  private static List<Target> targetsOf(Entry entry, List<InetAddress> found) {
    boolean anyV4 = found.stream().anyMatch(a -> a instanceof Inet4Address);
    return found.stream().filter(a -> !anyV4 || a instanceof Inet4Address).map(InetAddress::getHostAddress)
        .distinct().sorted() // answers come in any order; sorted, an unchanged set is no change
        .map(ip -> new Target(entry.baseUrl, SocketAddress.inetSocketAddress(entry.port, ip))).toList();
  }

  /** Every entry's targets, an address named twice (by two URLs) once. */
  private synchronized void rebuild() {
    Map<String, Target> all = new LinkedHashMap<>();
    for (Entry entry : entries) {
      for (Target target : entry.targets) {
        String key = target.server() == null ? target.baseUrl()
            : entry.scheme + "://" + target.server().hostAddress() + ":" + target.server().port();
        all.putIfAbsent(key, target);
      }
    }
    targets = List.copyOf(all.values());
  }

  /** Stops the periodic lookups. */
  public void close() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }
}
