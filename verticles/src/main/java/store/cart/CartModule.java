package store.cart;

import static store.platform.Responses.json;
import static store.platform.Responses.uuid;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import store.catalog.api.CatalogClient;
import store.order.api.OrderClient;
import store.order.api.OrderOperations.Order;
import store.platform.Auth;
import store.platform.ContractRouter;
import store.platform.Health;
import store.platform.Platform;
import store.platform.QueryParameters;
import store.platform.Responses;
import store.platform.Schema;
import store.platform.ServiceModule;
import store.platform.StoreConfig;
import store.platform.transport.InternalOperations;
import store.cart.api.CartOperations;
import store.cart.api.CartOperations.Cart;

/** The cart service: routes from {@code conf/openapi/cart.yaml} and the operations the user service calls. */
public final class CartModule implements ServiceModule {
  private Platform platform;
  private CartService service;
  private CatalogClient catalog;

  @Override
  public String name() {
    return "cart";
  }

  @Override
  public String prefix() {
    return "/cart-api";
  }

  @Override
  public Schema schema() {
    return CartRepository.SCHEMA;
  }

  @Override
  public Future<Void> start(Platform platform) {
    this.platform = platform;
    catalog = new CatalogClient(platform.channel("catalog"));
    service = new CartService(new CartRepository(platform.cql()), catalog,
        new OrderClient(platform.channel("order")), platform.registry(),
        StoreConfig.integer(platform.config(), "cart.recent-views-limit", 10),
        StoreConfig.integer(platform.config(), "cart.checkout-lease-seconds", 30));
    return Future.succeededFuture();
  }

  @Override
  public Future<Router> router(String prefix) {
    return new ContractRouter("cart", platform.auth())
        .bind("getCart", rc -> service.cart(Auth.caller(rc).username()).map(Cart::toJson).onComplete(json(rc, 200)))
        .bind("clearCart", rc -> service.clear(Auth.caller(rc).username()).onComplete(json(rc, 200)))
        .bind("addItem", rc -> {
          JsonObject body = rc.body().asJsonObject();
          service.add(Auth.caller(rc), uuid(body.getString("product_id"), "product_id"), body.getInteger("quantity"),
              rc.request().getHeader("Idempotency-Key")).onComplete(json(rc, 200));
        })
        .bind("updateItem", rc -> service.update(Auth.caller(rc),
            uuid(rc.pathParam("item_id"), "item_id"), rc.body().asJsonObject().getInteger("quantity"))
            .onComplete(json(rc, 200)))
        .bind("removeItem", rc -> service.remove(Auth.caller(rc),
            uuid(rc.pathParam("item_id"), "item_id")).onComplete(json(rc, 200)))
        .bind("checkout", rc -> service.checkout(Auth.caller(rc),
            rc.request().getHeader("Idempotency-Key")).map(Order::toJson).onComplete(json(rc, 200)))
        .bind("viewProduct", rc -> service.view(Auth.caller(rc),
            uuid(rc.pathParam("product_id"), "product_id")).onComplete(json(rc, 200)))
        .bind("recentViews", rc -> service.recentViews(Auth.caller(rc).username()).onComplete(json(rc, 200)))
        .bind("listCarts", rc -> {
          QueryParameters q = QueryParameters.of(rc);
          service.carts(q.string("cursor"), q.integer("limit"))
              .map(page -> Responses.page(rc, page.carts(), page.next()))
              .onComplete(json(rc, 200));
        })
        .build(platform, prefix, prefix());
  }

  @Override
  public InternalOperations internal() {
    return new InternalOperations()
        .on(CartOperations.GET_CART, (none, caller) -> service.cart(caller.username()))
        .on(CartOperations.CHECKOUT, (checkout, caller) -> service.checkout(caller, checkout.idempotencyKey()));
  }

  @Override
  public void readiness(Health health) {
    health.requires("catalog", () -> catalog.product(java.util.UUID.randomUUID(), store.platform.Caller.system("cart"))
        .recover(e -> e instanceof store.platform.ProblemException p && p.status() == 404
            ? Future.succeededFuture() : Future.failedFuture(e)));
  }
}
