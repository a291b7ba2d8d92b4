package store.platform;

import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One owner's tables (a service, or the platform's account state): {@code CREATE ... IF NOT EXISTS} statements and
 * the columns added to them since their first release. Its fingerprint changes whenever any of that text does, which
 * is how {@link SchemaVersions} knows that a cluster has it already and skips the DDL.
 */
public record Schema(String owner, List<String> statements, List<AddedColumn> columns) {

  /** A column added to a table after the table's first release: data made before it gets the column here. */
  public record AddedColumn(String table, String column, String type) {
  }

  public Schema(String owner, List<String> statements) {
    this(owner, statements, List.of());
  }

  /** SHA-256 of the statements and added columns, whitespace-insensitive. */
  public String fingerprint() {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (String statement : statements) {
        digest.update(statement.strip().replaceAll("\\s+", " ").getBytes(StandardCharsets.UTF_8));
        digest.update((byte) ';');
      }
      for (AddedColumn c : columns) {
        digest.update((c.table() + '.' + c.column() + ' ' + c.type() + ';').getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e); // every JVM has SHA-256
    }
  }

  /** Runs the DDL, one statement after another (each is idempotent). */
  public Future<Void> applyTo(Cql cql) {
    Future<Void> chain = cql.ddl(statements);
    for (AddedColumn c : columns) {
      chain = chain.compose(v -> cql.addColumn(c.table(), c.column(), c.type()));
    }
    return chain;
  }
}
