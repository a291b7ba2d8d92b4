package store.order;

import static store.platform.Responses.json;
import static store.platform.Responses.uuid;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import store.catalog.api.CatalogClient;
import store.platform.Auth;
import store.platform.ContractRouter;
import store.platform.Platform;
import store.platform.QueryParameters;
import store.platform.Responses;
import store.platform.Schema;
import store.platform.ServiceModule;
import store.platform.StoreConfig;
import store.platform.transport.InternalOperations;
import store.user.api.UserClient;
import store.order.api.OrderOperations;
import store.order.api.OrderOperations.Order;
import store.order.api.OrderOperations.OrderList;

/** The order service: routes from {@code conf/openapi/order.yaml}, internal operations, and the lifecycle. */
public final class OrderModule implements ServiceModule {
  private Platform platform;
  private OrderService service;

  @Override
  public String name() {
    return "order";
  }

  @Override
  public String prefix() {
    return "/order-api";
  }

  @Override
  public Schema schema() {
    return OrderRepository.SCHEMA;
  }

  @Override
  public Future<Void> start(Platform platform) {
    this.platform = platform;
    JsonObject config = platform.config();
    OrderService.Lifecycle delays = new OrderService.Lifecycle(
        StoreConfig.longValue(config, "order.lifecycle.processing-ms", 5_000),
        StoreConfig.longValue(config, "order.lifecycle.shipping-ms", 5_000),
        StoreConfig.longValue(config, "order.lifecycle.delivery-min-ms", 60_000),
        StoreConfig.longValue(config, "order.lifecycle.delivery-max-ms", 300_000),
        StoreConfig.longValue(config, "order.lifecycle.retention-ms", 300_000));
    service = new OrderService(new OrderRepository(platform.cql()), new CatalogClient(platform.channel("catalog")),
        new UserClient(platform.channel("user")), delays, platform.registry());
    long pollMs = StoreConfig.longValue(config, "order.lifecycle.poll-ms", 1_000);
    Duration intentGrace = Duration.ofMillis(StoreConfig.longValue(config, "order.lifecycle.intent-grace-ms", 30_000));
    if (intentGrace.toMillis() < 1_000) {
      return Future.failedFuture(new IllegalArgumentException("order.lifecycle.intent-grace-ms (ORDER_INTENT_GRACE_MS) "
          + "must be at least 1000, not " + intentGrace.toMillis()));
    }
    return service.start(UUID.randomUUID().toString())
        .compose(v -> platform.vertx().deployVerticle(new OrderLifecycleVerticle(service, pollMs, intentGrace)))
        .mapEmpty();
  }

  @Override
  public Future<Router> router(String prefix) {
    return new ContractRouter("order", platform.auth())
        .bind("listStatuses", rc -> Future.succeededFuture(new JsonObject().put("statuses",
            new JsonArray(Arrays.stream(OrderStatus.values()).map(Enum::name).toList()))).onComplete(json(rc, 200)))
        .bind("listOrders", rc -> {
          QueryParameters q = QueryParameters.of(rc);
          service.list(Auth.caller(rc), new OrderService.ListQuery(q.string("status"),
                  "true".equals(q.string("history")), true, q.string("cursor"), q.integer("limit")))
              .map(page -> Responses.page(rc, page.orders(), page.next()))
              .onComplete(json(rc, 200));
        })
        .bind("createOrder", rc -> service.place(Auth.caller(rc),
            rc.body().asJsonObject().getJsonArray("items"), rc.request().getHeader("Idempotency-Key"))
            .onComplete(json(rc, 200)))
        .bind("getOrder", rc -> service.get(Auth.caller(rc), uuid(rc.pathParam("order_id"),
            "order_id")).onComplete(json(rc, 200)))
        .bind("setStatus", rc -> service.setStatus(Auth.caller(rc),
            uuid(rc.pathParam("order_id"), "order_id"), OrderStatus.valueOf(rc.queryParams().get("status")))
            .onComplete(json(rc, 200)))
        .bind("cancelOrder", rc -> service.cancel(Auth.caller(rc),
            uuid(rc.pathParam("order_id"), "order_id")).onComplete(json(rc, 200)))
        .build(platform, prefix, prefix());
  }

  @Override
  public InternalOperations internal() {
    return new InternalOperations()
        .on(OrderOperations.PLACE, (place, caller) -> service.placeReserving(caller, place.orderId(), place.lines())
            .map(Order::fromJson))
        .on(OrderOperations.CREATE, (create, caller) -> service.createReserved(caller, create.orderId(),
            create.reservationId()).map(Order::fromJson))
        .on(OrderOperations.GET, (ref, caller) -> service.get(caller, ref.orderId()).map(Order::fromJson))
        .on(OrderOperations.LIST_FOR_USER, (none, caller) -> service.list(caller,
            OrderService.ListQuery.everythingOfCaller()).map(page -> new OrderList(page.orders().stream()
                .map(o -> Order.fromJson((JsonObject) o)).toList())));
  }
}
