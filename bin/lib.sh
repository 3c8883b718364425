# Shared helpers for bin/ scripts (sourced, not run).

# The repository root.
SU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Finds a JDK 21+ : $JAVA_HOME if it is one, else the newest under /usr/lib/jvm. Exports JAVA_HOME.
su_find_jdk() {
  local candidates=() j v best="" bestv=0
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for j in /usr/lib/jvm/*; do candidates+=("$j"); done
  for j in "${candidates[@]}"; do
    [ -x "$j/bin/java" ] && [ -x "$j/bin/javac" ] || continue
    v=$("$j/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1)
    v=${v%%.*}
    [ -n "$v" ] || continue
    if [ "$j" = "${JAVA_HOME:-}" ] && [ "$v" -ge 21 ]; then best=$j; break; fi
    if [ "$v" -ge 21 ] && [ "$v" -gt "$bestv" ]; then best=$j; bestv=$v; fi
  done
  if [ -z "$best" ]; then
    echo "safe-updater: no JDK 21 or newer found (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
  # Maven 3.8 on JDK 24+ warns about its own use of sun.misc.Unsafe (STACK.md): harmless, silenced.
  export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
}

SU_JAR="$SU_ROOT/server/target/safe-updater.jar"

# Builds the server jar (and its libs/) when it is missing or older than the sources.
su_build_if_needed() {
  if [ -f "$SU_JAR" ] && [ -d "$SU_ROOT/server/target/libs" ] && \
     [ -z "$(find "$SU_ROOT/server/src/main" "$SU_ROOT/migrations" "$SU_ROOT/pom.xml" "$SU_ROOT/server/pom.xml" -newer "$SU_JAR" -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  echo "safe-updater: building the server jar (first run takes a minute) ..." >&2
  (cd "$SU_ROOT" && mvn -q -B package -DskipTests) >&2 || { echo "safe-updater: build failed" >&2; return 1; }
}

# JVM flags for running the server: quiet about Unsafe use by libraries on JDK 24+.
su_java_opts() {
  local v
  v=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1)
  if [ "${v%%.*}" -ge 24 ]; then echo "--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"; fi
}
