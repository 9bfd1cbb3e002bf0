package dev.cairn.engine.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.cairn.engine.testing.FakeDisk;
import dev.cairn.engine.testing.TestRepository;
import dev.cairn.repository.CairnException;
import dev.cairn.repository.ErrorCode;
import dev.cairn.repository.point.RestorePoint;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForgetterTest {
  @Test
  void refusesAPolicyThatKeepsNothing() throws Exception {
    TestRepository repo = TestRepository.create();
    repo.backup("vm", FakeDisk.random("d.img", 100_000, 1));
    List<String> before = repo.listing();

    CairnException refused =
        catchThrowableOfType(
            CairnException.class,
            () ->
                new Forgetter(repo.repository)
                    .forget(new RetentionPolicy(0, 0, 0, 0, 0, 0), null, ZoneOffset.UTC, false));

    assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(refused).hasMessageContaining("every restore point");
    assertThat(repo.listing()).isEqualTo(before);
  }

  @Test
  void deletesOnlyTheManifestsThePolicyDoesNotKeepAndOnlyOfTheVmGiven() throws Exception {
    TestRepository repo = TestRepository.create();
    FakeDisk disk = FakeDisk.random("d.img", 200_000, 2);
    for (int day = 0; day < 4; day++) {
      repo.clock.advance(Duration.ofDays(1));
      repo.backup("web", disk.randomBlock(0, day));
      repo.backup("db", disk.randomBlock(1, day));
    }
    List<String> packs = repo.names("packs/");
    Forgetter forgetter = new Forgetter(repo.repository);
    RetentionPolicy keepTwo = new RetentionPolicy(2, 0, 0, 0, 0, 0);

    List<RetentionDecision> dry = forgetter.forget(keepTwo, "web", ZoneOffset.UTC, true);
    assertThat(dry).hasSize(4).filteredOn(RetentionDecision::keep).hasSize(2);
    assertThat(repo.points()).hasSize(8);

    List<RetentionDecision> applied = forgetter.forget(keepTwo, "web", ZoneOffset.UTC, false);

    assertThat(applied).isEqualTo(dry);
    List<RestorePoint> left = repo.points();
    assertThat(left).hasSize(6);
    assertThat(left.stream().filter(p -> p.vm().name().equals("db"))).hasSize(4);
    assertThat(left)
        .containsAll(
            applied.stream()
                .filter(RetentionDecision::keep)
                .map(RetentionDecision::point)
                .toList());
    assertThat(repo.names("packs/")).as("data stays until prune").isEqualTo(packs);
    repo.assertSound();
  }

  @Test
  void namedPointsAreForgottenEvenWhenTheirManifestIsDamaged() throws Exception {
    TestRepository repo = TestRepository.create();
    RestorePoint kept = repo.backup("vm", FakeDisk.random("a.img", 100_000, 3)).point();
    RestorePoint damaged = repo.backup("vm", FakeDisk.random("b.img", 100_000, 4)).point();
    byte[] bytes = repo.memory.read(damaged.objectName());
    bytes[bytes.length - 3] ^= 0x10;
    repo.memory.replaceForTesting(damaged.objectName(), bytes);

    List<String> forgotten =
        new Forgetter(repo.repository).forgetPoints(List.of(damaged.id().substring(0, 8)));

    assertThat(forgotten).containsExactly(damaged.id());
    assertThat(repo.names("points/")).containsExactly(kept.objectName());
    assertThat(repo.check(100).problems()).isEmpty();
  }

  @Test
  void aNameThatMatchesNothingForgetsNothing() throws Exception {
    TestRepository repo = TestRepository.create();
    RestorePoint point = repo.backup("vm", FakeDisk.random("a.img", 100_000, 5)).point();

    CairnException refused =
        catchThrowableOfType(
            CairnException.class,
            () -> new Forgetter(repo.repository).forgetPoints(List.of(point.id(), "ffffffff")));

    assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_INPUT);
    assertThat(refused).hasMessageContaining("ffffffff");
    assertThat(repo.names("points/")).containsExactly(point.objectName());
  }
}
