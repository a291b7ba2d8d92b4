package store.platform;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import java.util.Set;

/**
 * The client's address for rate limits: the socket's peer, unless that peer is a trusted proxy (the gateway), in which
 * case the address nginx put in {@code X-Real-IP}. A client cannot pick its own address by sending the header: it is
 * read only from the proxies listed in {@code security.trusted-proxies}.
 */
public final class ClientAddress {
  private ClientAddress() {
  }

  public static String of(HttpServerRequest request, Set<String> trustedProxies) {
    SocketAddress peer = request.remoteAddress();
    String address = peer == null ? "unknown" : peer.hostAddress();
    if (trustedProxies.contains(address)) {
      String forwarded = request.getHeader("X-Real-IP");
      if (forwarded != null && !forwarded.isBlank() && forwarded.length() <= 64) {
        return forwarded.strip();
      }
    }
    return address;
  }
}
