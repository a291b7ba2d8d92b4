package store.platform;

import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;
import java.math.BigDecimal;

/**
 * A request's query parameters as its contract validated them. Read these, not the raw query string: the contract
 * takes {@code limit=1e3} or {@code limit=2.0} as the integers they are, which {@code Integer.valueOf} of the raw
 * text does not (it answered 500).
 */
public final class QueryParameters {
  private final ValidatedRequest request;

  private QueryParameters(ValidatedRequest request) {
    this.request = request;
  }

  public static QueryParameters of(RoutingContext rc) {
    return new QueryParameters(rc.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST));
  }

  private Object value(String name) {
    RequestParameter p = request.getQuery().get(name);
    return p == null || p.isNull() ? null : p.get();
  }

  public String string(String name) {
    Object v = value(name);
    return v == null ? null : v.toString();
  }

  /** The contract checks type and range; this keeps a valid but huge value (skip=3000000000) from overflowing. */
  public Integer integer(String name) {
    BigDecimal v = decimal(name);
    if (v == null) {
      return null;
    }
    if (v.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
      throw ProblemException.invalidField(name, "must be at most " + Integer.MAX_VALUE);
    }
    return v.intValue();
  }

  public int integer(String name, int fallback) {
    Integer v = integer(name);
    return v == null ? fallback : v;
  }

  public BigDecimal decimal(String name) {
    Object v = value(name);
    if (v == null) {
      return null;
    }
    try {
      return new BigDecimal(v.toString());
    } catch (NumberFormatException e) { // e.g. 1e999, which parses as an infinite double
      throw ProblemException.invalidField(name, "must be a finite number");
    }
  }
}
