package store.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Keeps the service boundaries honest: services meet only through {@code api} packages and channels. */
class BoundariesTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("store");
  }

  @ParameterizedTest
  @ValueSource(strings = {"catalog", "cart", "order", "user"})
  void otherServicesUseOnlyTheApiPackage(String service) {
    noClasses().that().resideOutsideOfPackages("store." + service + "..", "store.launcher..")
        .should().dependOnClassesThat().resideInAPackage("store." + service)
        .because("services talk through store." + service + ".api and a channel, never to its internals")
        .check(classes);
  }

  @Test
  void onlyTheLauncherChoosesATransport() {
    noClasses().that().resideOutsideOfPackages("store.launcher..", "store.platform.transport..")
        .should().dependOnClassesThat().haveSimpleNameEndingWith("EventBusChannel")
        .orShould().dependOnClassesThat().haveSimpleNameEndingWith("HttpChannel")
        .because("business code must not know whether a call crosses the event bus or HTTP")
        .check(classes);
  }

  @Test
  void thePlatformKnowsNoService() {
    noClasses().that().resideInAPackage("store.platform..")
        .should().dependOnClassesThat().resideInAnyPackage("store.catalog..", "store.cart..", "store.order..",
            "store.user..", "store.launcher..")
        .check(classes);
  }
}
