package dev.bookwell.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The area boundaries, checked on the compiled classes: the platform depends on no area, and an area reaches
 * another only through that area's client class (its bus addresses and message shapes live nowhere else).
 */
class BoundariesTest {

  static final List<String> AREAS = List.of("identity", "scheduling", "payments", "booking", "notifications", "learning",
      "reviews", "audit", "reporting", "webhooks");
  /** The one door of each area; anything else in an area is its own business. */
  static final Set<String> CLIENTS = Set.of(
      "dev.bookwell.identity.IdentityClient",
      "dev.bookwell.scheduling.SchedulingClient",
      "dev.bookwell.payments.PaymentsClient",
      "dev.bookwell.learning.LearningClient",
      "dev.bookwell.booking.BookingClient",
      "dev.bookwell.reviews.ReviewsClient");

  static JavaClasses classes;

  @BeforeAll
  static void importClasses() {
    classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("dev.bookwell");
  }

  @Test
  void platformDependsOnNoArea() {
    noClasses().that().resideInAPackage("dev.bookwell.platform..")
        .should().dependOnClassesThat().resideInAnyPackage(AREAS.stream().map(a -> "dev.bookwell." + a + "..")
            .toArray(String[]::new))
        .orShould().dependOnClassesThat().resideInAPackage("dev.bookwell")
        .check(classes);
  }

  @Test
  void areasMeetOnlyThroughClientClasses() {
    for (String area : AREAS) {
      String own = "dev.bookwell." + area;
      noClasses().that().resideInAPackage(own + "..")
          .should().dependOnClassesThat(insideAnotherArea(own))
          .because("an area reaches another only through that area's client class")
          .check(classes);
    }
  }

  @Test
  void areasDoNotReachTheWiring() {
    noClasses().that().resideInAnyPackage(AREAS.stream().map(a -> "dev.bookwell." + a + "..").toArray(String[]::new))
        .should().dependOnClassesThat().haveFullyQualifiedName("dev.bookwell.Bookwell")
        .orShould().dependOnClassesThat().haveFullyQualifiedName("dev.bookwell.Main")
        .check(classes);
  }

  private static DescribedPredicate<JavaClass> insideAnotherArea(String own) {
    return DescribedPredicate.describe("a class of another area other than its client class", type -> {
      String pkg = type.getPackageName();
      String outer = type.getName().contains("$") ? type.getName().substring(0, type.getName().indexOf('$'))
          : type.getName();
      return !pkg.startsWith(own) && AREAS.stream().anyMatch(a -> pkg.startsWith("dev.bookwell." + a))
          && !CLIENTS.contains(outer);
    });
  }
}
