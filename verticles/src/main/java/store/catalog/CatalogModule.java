package store.catalog;

import static store.platform.Responses.json;
import static store.platform.Responses.uuid;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import store.catalog.CatalogService.ListQuery;
import store.catalog.Reservations.Line;
import store.catalog.api.CatalogOperations;
import store.catalog.api.CatalogOperations.Product;
import store.catalog.api.CatalogOperations.Release;
import store.catalog.api.CatalogOperations.Reservation;
import store.platform.Auth;
import store.platform.Caller;
import store.platform.ContractRouter;
import store.platform.Platform;
import store.platform.Schema;
import store.platform.ProblemException;
import store.platform.QueryParameters;
import store.platform.ServiceModule;
import store.platform.StoreConfig;
import store.platform.transport.InternalOperations;

/**
 * The catalog ("backend") service: routes from {@code conf/openapi/catalog.yaml}, the internal stock operations,
 * and the dev sample catalog.
 */
public final class CatalogModule implements ServiceModule {
  private Platform platform;
  private CatalogService service;
  private Reservations reservations;

  @Override
  public String name() {
    return "catalog";
  }

  @Override
  public String prefix() {
    return "/api";
  }

  @Override
  public Schema schema() {
    return CatalogRepository.SCHEMA;
  }

  @Override
  public Future<Void> start(Platform platform) {
    this.platform = platform;
    CatalogRepository repository = new CatalogRepository(platform.cql());
    service = new CatalogService(platform.vertx(), repository, platform.registry(),
        StoreConfig.longValue(platform.config(), "catalog.cache-ttl-ms", 5_000));
    reservations = new Reservations(platform.vertx(), repository, service, platform.registry());
    ReservationSweeper sweeper = new ReservationSweeper(reservations,
        StoreConfig.longValue(platform.config(), "catalog.sweep-interval-ms", 15_000),
        Duration.ofMillis(StoreConfig.longValue(platform.config(), "catalog.reservation-timeout-ms", 120_000)));
    return service.start(UUID.randomUUID().toString()).compose(v -> StoreConfig.bool(platform.config(), "catalog.sample-data", false)
            ? SampleCatalog.loadIfEmpty(service) : Future.succeededFuture())
        .compose(v -> platform.vertx().deployVerticle(sweeper)).mapEmpty();
  }

  public CatalogService service() {
    return service;
  }

  Reservations reservations() {
    return reservations;
  }

  // ---- public routes ----

  @Override
  public Future<Router> router(String prefix) {
    return new ContractRouter("catalog", platform.auth())
        .bind("listCategories", rc -> service.categories().onComplete(json(rc, 200)))
        .bind("listProducts", rc -> service.list(Auth.caller(rc), query(rc, null))
            .onComplete(json(rc, 200)))
        .bind("listByCategory", rc -> service.list(Auth.caller(rc),
            query(rc, rc.pathParam("category"))).onComplete(json(rc, 200)))
        // pages and the category list are kept encoded: a repeat of a URI is answered from them without routing
        .repeatable("listCategories", rc -> caller -> service.keptCategories())
        .repeatable("listProducts", rc -> pageAgain(query(rc, null)))
        .repeatable("listByCategory", rc -> pageAgain(query(rc, rc.pathParam("category"))))
        .bind("getProduct", rc -> service.view(productId(rc)).onComplete(json(rc, 200)))
        .bind("createProduct", rc -> service.create(rc.body().asJsonObject()).onComplete(json(rc, 201)))
        .bind("updateProduct", rc -> service.update(productId(rc), rc.body().asJsonObject()).onComplete(json(rc, 200)))
        .bind("deleteProduct", rc -> service.delete(productId(rc)).onSuccess(v -> rc.response().setStatusCode(204).end())
                .onFailure(rc::fail))
        .build(platform, prefix, prefix());
  }

  private static ListQuery query(RoutingContext rc, String pathCategory) {
    QueryParameters q = QueryParameters.of(rc);
    String category = pathCategory != null ? pathCategory : q.string("category");
    return new ListQuery(category, q.integer("skip", 0), q.integer("limit", 100), q.string("sort_by"),
        "desc".equals(q.string("sort_order")), q.decimal("min_price"), q.decimal("max_price"));
  }

  private Function<Caller, Buffer> pageAgain(ListQuery query) {
    return caller -> service.keptPage(caller, query);
  }

  private static UUID productId(RoutingContext rc) {
    return uuid(rc.pathParam("product_id"), "product_id");
  }

  // ---- internal operations (used by cart and order) ----

  @Override
  public InternalOperations internal() {
    return new InternalOperations()
        .on(CatalogOperations.GET_PRODUCT, (ref, caller) -> service.get(ref.productId()).map(Product::fromJson))
        .on(CatalogOperations.RESERVE, (reserve, caller) -> reservations.reserve(reserve.reservationId(),
            lines(reserve.lines()), caller.username()).map(Reservation::fromJson))
        .on(CatalogOperations.RESERVE_ORDERED, (reserve, caller) -> reservations.reserveOrdered(
            reserve.reservationId(), lines(reserve.lines()), caller))
        .on(CatalogOperations.GET_RESERVATION, (ref, caller) -> reservations.reservation(ref.reservationId(), caller)
            .map(Reservation::fromJson))
        .on(CatalogOperations.COMMIT_RESERVATION, (ref, caller) -> reservations.commit(ref.reservationId(), caller,
            ref.closeUnmade()))
        .on(CatalogOperations.RELEASE, (ref, caller) -> reservations.release(ref.reservationId(), caller)
            .map(Release::fromJson));
  }

  private static List<Line> lines(JsonArray lines) {
    if (lines.isEmpty()) {
      throw ProblemException.badRequest("A reservation needs at least one line");
    }
    return lines.stream().map(o -> (JsonObject) o).map(l -> {
      int quantity = l.getInteger("quantity", 0);
      if (quantity < 1) {
        throw ProblemException.invalidField("quantity", "must be at least 1");
      }
      return new Line(uuid(l.getString("product_id"), "product_id"), quantity);
    }).toList();
  }
}
