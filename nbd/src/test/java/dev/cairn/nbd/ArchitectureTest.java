package dev.cairn.nbd;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The NBD module stands alone: it knows nothing of the rest of Cairn. */
@AnalyzeClasses(packages = "dev.cairn.nbd", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  @ArchTest
  static final ArchRule nbdDependsOnNoOtherCairnPackage =
      noClasses()
          .that()
          .resideInAPackage("dev.cairn.nbd..")
          .should()
          .dependOnClassesThat(
              resideInAPackage("dev.cairn..").and(not(resideInAPackage("dev.cairn.nbd.."))));

  @ArchTest
  static final ArchRule theWireFormatKnowsNoClientOrServer =
      noClasses()
          .that()
          .resideInAPackage("dev.cairn.nbd.protocol..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage("dev.cairn.nbd.client..", "dev.cairn.nbd.server..");

  @ArchTest
  static final ArchRule theClientKnowsNoServer =
      noClasses()
          .that()
          .resideInAPackage("dev.cairn.nbd.client..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("dev.cairn.nbd.server..");
}
