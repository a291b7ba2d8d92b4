package store.platform;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.List;

/**
 * The client's address for rate limits: the socket's peer, unless that peer is a trusted proxy (the gateway), in which
 * case the address nginx put in {@code X-Real-IP}. A client cannot pick its own address by sending the header: it is
 * read only from the proxies listed in {@code security.trusted-proxies} (addresses, or CIDR ranges such as a
 * Kubernetes pod network, where the gateway has no fixed address).
 */
public final class ClientAddress {
  private final List<Range> trusted;

  private record Range(byte[] network, int bits) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      for (int i = 0; i < bits; i++) {
        int mask = 0x80 >> (i % 8);
        if ((address[i / 8] & mask) != (network[i / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }

  /** {@code proxies}: "10.0.0.7", "172.28.0.0/24", "::1", … (literal addresses only, never names). */
  public ClientAddress(Collection<String> proxies) {
    this.trusted = proxies.stream().map(ClientAddress::range).toList();
  }

  private static Range range(String entry) {
    String[] parts = entry.strip().split("/", 2);
    byte[] address = literal(parts[0]);
    if (address == null) {
      throw new IllegalArgumentException("TRUSTED_PROXIES: '" + entry + "' is not an IP address or CIDR range");
    }
    int bits = parts.length == 2 ? Integer.parseInt(parts[1]) : address.length * 8;
    if (bits < 0 || bits > address.length * 8) {
      throw new IllegalArgumentException("TRUSTED_PROXIES: bad prefix length in '" + entry + "'");
    }
    return new Range(address, bits);
  }

  /** The bytes of a literal IPv4/IPv6 address, or null (no DNS look-up is ever made). */
  private static byte[] literal(String text) {
    if (!text.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
      return null;
    }
    try {
      return InetAddress.getByName(text).getAddress();
    } catch (UnknownHostException e) {
      return null;
    }
  }

  public String of(HttpServerRequest request) {
    SocketAddress peer = request.remoteAddress();
    String address = peer == null ? "unknown" : peer.hostAddress();
    byte[] bytes = peer == null ? null : literal(address);
    if (bytes != null && trusted.stream().anyMatch(r -> r.contains(bytes))) {
      String forwarded = request.getHeader("X-Real-IP");
      if (forwarded != null && !forwarded.isBlank() && forwarded.length() <= 64) {
        return forwarded.strip();
      }
    }
    return address;
  }
}
