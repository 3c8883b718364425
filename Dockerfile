# Safe Updater container image: non-root, read-only root filesystem friendly, JDK AOT cache trained at build time.
#
#   docker build -t safe-updater .                                   # builds the jar with Maven inside the build
#   mvn -B package -DskipTests && docker build --build-arg JAR_FROM=context -t safe-updater .   # jar built outside
#   docker run --read-only --tmpfs /tmp -p 8080:8080 -v su-data:/app/data safe-updater
#
# Build arguments:
#   BUILD_IMAGE    image with Maven and a JDK 21+ (JAR_FROM=maven) or any image with sh and cp (JAR_FROM=context)
#   RUNTIME_IMAGE  image with a JDK or JRE 25+ (the AOT cache needs 25), a shell for the two RUN steps, grep
#   JAR_FROM       maven: compile here (needs Maven Central or a mirror; the builder must reach it)
#                  context: take server/target/safe-updater.jar and server/target/libs/ from `mvn package` outside
# Without Docker Hub (as on the project's test machines) bin/jdk-base-image makes a local base to pass as both.
#
# Layout: /app/safe-updater.jar + /app/libs/ (the jar's class path), /app/rules and /app/policies (the shipped
# set: mount your own over them, or point SAFE_UPDATER_RULES_DIR / SAFE_UPDATER_POLICIES_DIR elsewhere),
# /app/migrations (the SQL the jar applies, for DBAs to read), /app/data (embedded H2; a volume), /app/jvm.options.
# Only /app/data and /tmp are written at run time.

ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-25
ARG RUNTIME_IMAGE=eclipse-temurin:25-jre

FROM ${BUILD_IMAGE} AS build
ARG JAR_FROM=maven
WORKDIR /src
COPY pom.xml ./
COPY server/pom.xml server/
# dependencies in their own layer, so editing sources does not download them again; a failure stops the build
RUN if [ "$JAR_FROM" = maven ]; then mvn -B -q -ntp -pl server -am dependency:go-offline; fi
COPY migrations migrations
# server/ brings the sources, and server/target/{safe-updater.jar,libs/} when they were built outside (.dockerignore)
COPY server server
RUN set -e; \
    case "$JAR_FROM" in \
      maven) rm -rf server/target && mvn -B -q -ntp package -DskipTests ;; \
      context) [ -f server/target/safe-updater.jar ] && [ -d server/target/libs ] \
                 || { echo "JAR_FROM=context: run 'mvn -B package -DskipTests' first (server/target/ is empty)" >&2; exit 1; } ;; \
      *) echo "JAR_FROM must be maven or context, not '$JAR_FROM'" >&2; exit 1 ;; \
    esac; \
    mkdir -p /out && cp -r server/target/safe-updater.jar server/target/libs /out/

FROM ${RUNTIME_IMAGE}
WORKDIR /app
# the image's user (uid/gid 10001); named in /etc/passwd so the JVM knows its home
RUN grep -q '^safeupdater:' /etc/group || echo 'safeupdater:x:10001:' >>/etc/group; \
    grep -q '^safeupdater:' /etc/passwd || echo 'safeupdater:x:10001:10001:Safe Updater:/app:/sbin/nologin' >>/etc/passwd; \
    mkdir -p /app/data && chown 10001:10001 /app/data
COPY --from=build /out/ /app/
COPY migrations/ /app/migrations/
COPY rules/ /app/rules/
COPY policies/ /app/policies/
COPY deploy/docker/jvm.options /app/jvm.options
# Train the JVM's AOT cache (JEP 483/514): one start of the server on the shipped rules and an in-memory database,
# readiness asked once, stop. The cache lists the classes loaded and linked on the way, so a container starts in
# about half the time. It is tied to this JVM, this class path and the options in jvm.options. Method profiles
# (JEP 515) are not recorded: JDK 25.0.3 crashed on a cache holding a cycle's profiles (docs/cycle.md#cost).
RUN ["java", "@/app/jvm.options", "-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTRecordTraining", \
     "-XX:AOTCacheOutput=/app/safe-updater.aot", "-jar", "/app/safe-updater.jar", \
     "serve", "--port", "0", "--exit-when-ready", "--db-url", "jdbc:h2:mem:aot-training", \
     "--rules", "/app/rules", "--policies", "/app/policies", "--log-level", "ERROR"]
USER 10001:10001
# Inside a container the server listens on the container's addresses. Secure by default: without API tokens
# (SAFE_UPDATER_AUTH_TOKENS_FILE) a server asked to listen beyond loopback refuses to start, see README.
ENV MALLOC_ARENA_MAX=2 \
    SAFE_UPDATER_HOST=0.0.0.0 \
    SAFE_UPDATER_PORT=8080 \
    SAFE_UPDATER_DB_URL=jdbc:h2:file:/app/data/safe-updater \
    SAFE_UPDATER_RULES_DIR=/app/rules \
    SAFE_UPDATER_POLICIES_DIR=/app/policies
VOLUME ["/app/data"]
EXPOSE 8080
ENTRYPOINT ["java", "@/app/jvm.options", "-XX:AOTCache=/app/safe-updater.aot", "-Xlog:aot*=off", "-jar", "/app/safe-updater.jar"]
CMD ["serve"]
