# Safe Updater container image.
#   docker build -t safe-updater .
#   docker run -p 8080:8080 -v su-data:/app/data safe-updater
# Rules and policies ship in the image under /app/rules and /app/policies; mount over them (or set
# SAFE_UPDATER_RULES_DIR / SAFE_UPDATER_POLICIES_DIR) to use your own. The embedded H2 database lives in
# /app/data; set SAFE_UPDATER_DB_URL (+ _USER, _PASSWORD) for PostgreSQL.

FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /src
COPY pom.xml ./
COPY server/pom.xml server/
# resolve dependencies in their own layer so source edits do not download them again
RUN mvn -q -B -pl server -am dependency:go-offline -DexcludeReactor=true || true
COPY server/src server/src
COPY migrations migrations
RUN mvn -q -B package -DskipTests

FROM eclipse-temurin:21-jre
RUN groupadd --system --gid 10001 safeupdater \
 && useradd --system --uid 10001 --gid safeupdater --home-dir /app --shell /usr/sbin/nologin safeupdater
WORKDIR /app
COPY --from=build /src/server/target/libs/ /app/libs/
COPY --from=build /src/server/target/safe-updater.jar /app/safe-updater.jar
COPY rules/ /app/rules/
COPY policies/ /app/policies/
RUN mkdir -p /app/data && chown safeupdater:safeupdater /app/data
USER 10001
# inside the container the server must listen on the pod/container address, not loopback
ENV SAFE_UPDATER_HOST=0.0.0.0 \
    SAFE_UPDATER_PORT=8080
EXPOSE 8080
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/safe-updater.jar"]
CMD ["serve"]
