package store.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.DriverTimeoutException;
import com.datastax.oss.driver.api.core.NoNodeAvailableException;
import com.datastax.oss.driver.api.core.servererrors.DefaultWriteType;
import com.datastax.oss.driver.api.core.servererrors.InvalidQueryException;
import com.datastax.oss.driver.api.core.servererrors.OverloadedException;
import com.datastax.oss.driver.api.core.servererrors.ReadTimeoutException;
import com.datastax.oss.driver.api.core.servererrors.UnavailableException;
import com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException;
import org.junit.jupiter.api.Test;

/** Cassandra being away is a 503 (or a 504 for a write of unknown outcome), never a 500: pure mapping, no node. */
class StorageProblemsTest {

  @Test
  void cassandraNotAnsweringIsA503WithRetryAfter() {
    for (Throwable failure : new Throwable[] {new DriverTimeoutException("Query timed out after PT10S"),
        new NoNodeAvailableException(), new OverloadedException(null),
        new UnavailableException(null, ConsistencyLevel.LOCAL_QUORUM, 2, 1),
        new ReadTimeoutException(null, ConsistencyLevel.LOCAL_ONE, 0, 1, false)}) {
      ProblemException problem = Problems.toProblem(failure, 500);
      assertThat(problem.status()).as(failure.toString()).isEqualTo(503);
      assertThat(problem.retryAfterSeconds()).as(failure.toString()).isPositive();
      assertThat(problem.detail()).doesNotContain("PT10S");
    }
  }

  @Test
  void aWriteOfUnknownOutcomeIsA504() {
    ProblemException problem = Problems.toProblem(new WriteTimeoutException(null, ConsistencyLevel.SERIAL, 0, 1,
        DefaultWriteType.CAS), 500);
    assertThat(problem.status()).isEqualTo(504);
    assertThat(problem.detail()).contains("may or may not");
  }

  @Test
  void aBadQueryIsStillOurBugAndA500() {
    assertThat(Problems.toProblem(new InvalidQueryException(null, "unknown column"), 500).status()).isEqualTo(500);
  }
}
