package dev.cairn.engine;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module layering of CONTRIBUTING.md, enforced on the production classes of every layer on this
 * module's class path (storage, repository, engine; the CLI is above and not visible here), and the
 * naming rules: no util/impl/helpers/manager packages, no *Impl classes.
 */
class ArchitectureTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importProductionClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .withImportOption(location -> !location.contains("-tests.jar"))
            .importPackages("dev.cairn");
  }

  @Test
  void everyLayerOnTheClassPathWasImported() {
    assertThat(classes.stream().map(JavaClass::getPackageName))
        .anyMatch(name -> name.startsWith("dev.cairn.storage"))
        .anyMatch(name -> name.startsWith("dev.cairn.repository"))
        .anyMatch(name -> name.startsWith("dev.cairn.engine"))
        .noneMatch(name -> name.startsWith("dev.cairn.storage.testing"));
    assertThat(classes.contain("dev.cairn.engine.backup.BackupEngine")).isTrue();
    assertThat(classes.contain(ArchitectureTest.class)).isFalse();
  }

  @Test
  void storageDependsOnNoHigherLayer() {
    noClasses()
        .that()
        .resideInAPackage("dev.cairn.storage..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.cairn.repository..", "dev.cairn.engine..", "dev.cairn.cli..")
        .check(classes);
  }

  @Test
  void repositoryDependsOnNeitherEngineNorCli() {
    noClasses()
        .that()
        .resideInAPackage("dev.cairn.repository..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("dev.cairn.engine..", "dev.cairn.cli..")
        .check(classes);
  }

  @Test
  void engineDoesNotDependOnTheCli() {
    noClasses()
        .that()
        .resideInAPackage("dev.cairn.engine..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("dev.cairn.cli..")
        .check(classes);
  }

  @Test
  void noGrabBagPackages() {
    noClasses()
        .should()
        .resideInAnyPackage("..util..", "..utils..", "..impl..", "..helpers..", "..manager..")
        .check(classes);
  }

  @Test
  void noClassIsNamedImpl() {
    noClasses().should().haveSimpleNameEndingWith("Impl").check(classes);
  }
}
