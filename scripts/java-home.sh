# Sourced by Cairn's scripts: selects a Java 25+ JDK (Temurin 25 on the project's machines).
for candidate in "${CAIRN_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk-arm64 /usr/lib/jvm/temurin-25-jdk; do
  if [[ -n "$candidate" && -x "$candidate/bin/java" ]] &&
    "$candidate/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
    export JAVA_HOME="$candidate"
    break
  fi
done
if [[ -z "${JAVA_HOME:-}" ]] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
  echo "Java 25 or newer is needed: install Temurin 25 or set JAVA_HOME" >&2
  exit 1
fi
