package dev.cairn.vsphere;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The vim25 client packages (soap, vim, inventory, access) stand alone: the JDK and Jackson only,
 * never the engine or the repository, so that the backup and restore packages are the only joints
 * between vSphere and Cairn. The transport does not know the typed API above it.
 */
class ClientArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.cairn.vsphere");

  @Test
  void theClientUsesNothingOfCairn() {
    classes()
        .that()
        .resideInAnyPackage(
            "dev.cairn.vsphere.soap..",
            "dev.cairn.vsphere.vim..",
            "dev.cairn.vsphere.inventory..",
            "dev.cairn.vsphere.access..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "dev.cairn.vsphere.soap..",
            "dev.cairn.vsphere.vim..",
            "dev.cairn.vsphere.inventory..",
            "dev.cairn.vsphere.access..",
            "java..",
            "javax.xml..",
            "javax.net..",
            "com.fasterxml.jackson..")
        .check(CLASSES);
  }

  @Test
  void theTransportDoesNotKnowTheTypedApi() {
    noClasses()
        .that()
        .resideInAPackage("dev.cairn.vsphere.soap..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.cairn.vsphere.vim..",
            "dev.cairn.vsphere.inventory..",
            "dev.cairn.vsphere.access..")
        .check(CLASSES);
  }
}
