package dev.cairn.qemu;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The connector stands alone: it uses only the JDK and Jackson, never another Cairn module (the
 * engine and CLI wire it up), and follows the naming rules.
 */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.cairn.qemu");

  @Test
  void dependsOnlyOnTheJdkAndJackson() {
    classes()
        .that()
        .resideInAPackage("dev.cairn.qemu..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.cairn.qemu..", "java..", "com.fasterxml.jackson..")
        .check(CLASSES);
  }

  @Test
  void noGrabBagPackagesOrImplClasses() {
    noClasses()
        .should()
        .resideInAnyPackage("..util..", "..utils..", "..impl..", "..helpers..", "..manager..")
        .check(CLASSES);
    noClasses().should().haveSimpleNameEndingWith("Impl").check(CLASSES);
  }
}
