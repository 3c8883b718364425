# shellcheck shell=bash
# Shared helpers for bin/ scripts (sourced, not run).

# The repository root.
SU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Finds a JDK 21+ : $JAVA_HOME if it is one, else the newest under /usr/lib/jvm. Exports JAVA_HOME.
su_find_jdk() {
  local candidates=() j v best="" bestv=0
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for j in /usr/lib/jvm/*; do candidates+=("$j"); done
  for j in "${candidates[@]}"; do
    if [ ! -x "$j/bin/java" ] || [ ! -x "$j/bin/javac" ]; then continue; fi
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
# The JVM's ahead-of-time cache (JDK 25+, JEP 483/514): classes loaded and linked by a training run, so the
# server starts in about half the time. Made right after each build; ignored by older JDKs.
SU_AOT="$SU_ROOT/server/target/safe-updater.aot"

su_java_version() {
  local v
  v=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p' | head -1)
  echo "${v%%.*}"
}

# Builds the server jar (and its libs/) when it is missing or older than the sources.
su_build_if_needed() {
  if [ -f "$SU_JAR" ] && [ -d "$SU_ROOT/server/target/libs" ] && \
     [ -z "$(find "$SU_ROOT/server/src/main" "$SU_ROOT/migrations" "$SU_ROOT/pom.xml" "$SU_ROOT/server/pom.xml" -newer "$SU_JAR" -print -quit 2>/dev/null)" ]; then
    # the jar may come from another build (bin/test, mvn): train the AOT cache for it if it has none
    if [ "$(su_java_version)" -ge 25 ] && { [ ! -f "$SU_AOT" ] || [ "$SU_JAR" -nt "$SU_AOT" ]; }; then su_aot_train; fi
    return 0
  fi
  echo "safe-updater: building the server jar (first run takes a minute) ..." >&2
  (cd "$SU_ROOT" && mvn -q -B package -DskipTests) >&2 || { echo "safe-updater: build failed" >&2; return 1; }
  su_aot_train
}

# Trains the AOT cache: starts the server once (in-memory database, shipped rules), checks readiness, stops.
# The classes it loads and links go into the cache; the method profiles JDK 25 would also record (JEP 515) stay out
# (-XX:-AOTRecordTraining, su_aot_training_opts): with profiles of a cycle in the cache, JDK 25.0.3's C1 compiler
# crashed the JVM on every run (docs/cycle.md#cost), and the profiles of a start made nothing measurably faster.
su_aot_train() {
  rm -f "$SU_AOT"
  [ "$(su_java_version)" -ge 25 ] || return 0
  [ "${SAFE_UPDATER_AOT:-on}" = "off" ] && return 0
  echo "safe-updater: training the JVM's AOT cache for a faster start (a few seconds) ..." >&2
  local dir
  dir=$(mktemp -d)
  # shellcheck disable=SC2046
  if ! (cd "$dir" && "$JAVA_HOME/bin/java" $(su_base_java_opts) $(su_aot_training_opts) -XX:AOTCacheOutput="$SU_AOT" -jar "$SU_JAR" serve \
        --port 0 --exit-when-ready --db-url "jdbc:h2:mem:aot-training" --rules "$SU_ROOT/rules" \
        --policies "$SU_ROOT/policies" --log-level ERROR) >"$dir/training.log" 2>&1; then
    echo "safe-updater: AOT training failed (the server still works, it starts slower):" >&2
    tail -5 "$dir/training.log" >&2
    rm -f "$SU_AOT"
  fi
  rm -rf "$dir"
}

# JVM flags of an AOT training run on top of the base flags (the Dockerfile's training step uses the same).
su_aot_training_opts() {
  echo "-XX:+UnlockDiagnosticVMOptions -XX:-AOTRecordTraining"
}

# JVM flags every launch uses: quiet about Unsafe use by libraries on JDK 24+.
su_base_java_opts() {
  if [ "$(su_java_version)" -ge 24 ]; then echo "--sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED"; fi
  su_memory_opts
}

# Heap, collector and native-heap trim (the same as deploy/docker/jvm.options; see there why): idle RSS about 180 MiB
# instead of 265.
# The AOT cache is trained with them too (a cache needs the same collector). SAFE_UPDATER_JAVA_OPTS comes later on
# the launcher's command line, so e.g. -Xmx1g there wins.
su_memory_opts() {
  echo "-XX:+UseSerialGC -Xms16m -Xmx256m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:ReservedCodeCacheSize=64m -XX:TrimNativeHeapInterval=5000"
}
# glibc's per-thread malloc arenas hold memory the JVM freed; two are enough for this server.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"

# JVM flags for running the server: the base flags, plus the AOT cache when one was trained for this jar (and
# SAFE_UPDATER_AOT is not off).
su_java_opts() {
  su_base_java_opts
  # its warnings (a stub it could not link, a changed class path) only mean a slower start: not shown
  if [ "${SAFE_UPDATER_AOT:-on}" != "off" ] && [ -f "$SU_AOT" ] && [ "$SU_AOT" -nt "$SU_JAR" ]; then
    echo "-XX:AOTCache=$SU_AOT -Xlog:aot*=off"
  fi
}
