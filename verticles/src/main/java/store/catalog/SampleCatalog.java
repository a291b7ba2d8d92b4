package store.catalog;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A small catalog for dev mode, loaded on first start when the catalog is empty (config catalog.sample-data). */
final class SampleCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(SampleCatalog.class);

  private static final String[][] PRODUCTS = {
      // category, name, price, stock, manufacturer
      {"Фрукты", "Яблоки Гренни Смит", "2.49", "120", "Сады Кубани"},
      {"Фрукты", "Бананы", "1.29", "200", "Ecuador Fresh"},
      {"Фрукты", "Апельсины", "1.99", "150", "Valencia Farms"},
      {"Фрукты", "Груши Конференция", "2.79", "80", "Сады Кубани"},
      {"Фрукты", "Киви", "0.59", "300", "Zespri"},
      {"Фрукты", "Манго", "2.99", "60", "Alphonso Co"},
      {"Фрукты", "Виноград Кишмиш", "4.49", "70", "Vina Sol"},
      {"Фрукты", "Ананас", "3.99", "40", "Del Monte"},
      {"Фрукты", "Лимоны", "0.89", "250", "Valencia Farms"},
      {"Фрукты", "Гранат", "3.49", "55", "Azeri Gardens"},
      {"Овощи", "Томаты черри", "3.19", "90", "Теплицы Подмосковья"},
      {"Овощи", "Огурцы", "1.89", "110", "Теплицы Подмосковья"},
      {"Овощи", "Картофель", "0.99", "400", "Брянские поля"},
      {"Овощи", "Морковь", "0.79", "350", "Брянские поля"},
      {"Овощи", "Лук репчатый", "0.69", "300", "Брянские поля"},
      {"Овощи", "Перец болгарский", "3.59", "75", "Agro Hellas"},
      {"Овощи", "Брокколи", "2.69", "65", "Green Valley"},
      {"Овощи", "Кабачки", "1.49", "85", "Agro Hellas"},
      {"Овощи", "Баклажаны", "2.29", "60", "Agro Hellas"},
      {"Овощи", "Чеснок", "0.49", "500", "Брянские поля"},
      {"Electronics", "USB-C Charger 65W", "39.90", "45", "Voltix"},
      {"Electronics", "Wireless Mouse", "24.50", "80", "Clickr"},
      {"Electronics", "Mechanical Keyboard", "89.00", "30", "Clickr"},
      {"Electronics", "Noise-cancelling Headphones", "199.00", "20", "Sonora"},
      {"Electronics", "27\" Monitor", "279.00", "15", "Viewmax"},
      {"Electronics", "Webcam 1080p", "49.90", "40", "Viewmax"},
      {"Electronics", "Portable SSD 1TB", "119.00", "35", "Datacore"},
      {"Electronics", "Bluetooth Speaker", "59.00", "50", "Sonora"},
      {"Electronics", "Smartwatch", "149.00", "25", "Pulse"},
      {"Electronics", "E-reader", "129.00", "18", "Pagely"},
      {"Books", "Designing Data-Intensive Applications", "45.00", "40", "O'Reilly"},
      {"Books", "Cassandra: The Definitive Guide", "49.00", "25", "O'Reilly"},
      {"Books", "Vert.x in Action", "39.99", "30", "Manning"},
      {"Books", "Release It!", "35.50", "22", "Pragmatic Bookshelf"},
      {"Books", "Site Reliability Engineering", "42.00", "28", "O'Reilly"},
      {"Books", "Мастер и Маргарита", "12.90", "60", "Эксмо"},
      {"Books", "Война и мир", "19.90", "35", "АСТ"},
      {"Books", "The Pragmatic Programmer", "41.00", "33", "Addison-Wesley"},
      {"Books", "Clean Architecture", "33.00", "27", "Prentice Hall"},
      {"Books", "Java Concurrency in Practice", "47.00", "19", "Addison-Wesley"},
      {"Home", "Coffee Grinder", "54.00", "24", "Brewline"},
      {"Home", "French Press 1L", "27.00", "40", "Brewline"},
      {"Home", "Cast Iron Skillet", "38.00", "32", "Forge & Co"},
      {"Home", "Chef's Knife", "64.00", "20", "Forge & Co"},
      {"Home", "Cotton Towel Set", "29.90", "50", "Softhaus"},
      {"Home", "Desk Lamp", "34.50", "36", "Lumen"},
      {"Home", "Glass Food Containers", "22.00", "55", "Keepwell"},
      {"Home", "Electric Kettle", "31.00", "42", "Brewline"},
      {"Home", "Wool Blanket", "79.00", "14", "Softhaus"},
      {"Home", "Scented Candle", "12.00", "90", "Lumen"},
  };

  private SampleCatalog() {
  }

  static Future<Void> loadIfEmpty(CatalogService service) {
    if (service.productCount() > 0) {
      return Future.succeededFuture();
    }
    LOG.info("Catalog is empty: loading {} sample products", PRODUCTS.length);
    // side by side: fifty round trips one after another were the longest part of a first start's services (1.5 s)
    return Future.all(java.util.Arrays.stream(PRODUCTS).map(p -> service.create(new JsonObject().put("category", p[0])
        .put("name", p[1]).put("price", Double.valueOf(p[2])).put("stock_count", Integer.valueOf(p[3]))
        .put("manufacturer", p[4]).put("description", p[1] + " — " + p[4]))).toList()).mapEmpty();
  }
}
