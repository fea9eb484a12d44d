# syntax=docker/dockerfile:1
# One image, two roles:
#   docker run IMAGE operator          the Quarkus operator (http :8080: /q/health/live, /q/health/ready, /q/metrics)
#   docker run IMAGE connector [args]  a connector pod's data plane (metrics/health :9090, WireGuard 51820/udp)
# Build: docker build -t ghcr.io/pinhole-dev/pinhole:dev .

# ---- build: the Quarkus fast-jar (target/quarkus-app/) with the Maven wrapper ----
FROM eclipse-temurin:25-jdk AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY src/main/ src/main/
# The cache mount keeps Maven, the wrapper's distribution and all dependencies between builds.
# maven.test.skip: the tests are neither compiled nor run here (.dockerignore leaves them out of the context).
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B package -Dmaven.test.skip=true

# ---- runtime: JRE only, non-root, read-only friendly ----
FROM eclipse-temurin:25-jre
LABEL org.opencontainers.image.title="pinhole" \
      org.opencontainers.image.description="Pinhole operator and app connector (WireGuard gateways with one egress IP)" \
      org.opencontainers.image.source="https://github.com/pinhole-dev/pinhole"
# Files stay owned by root and read-only for the runtime user: the app cannot modify itself.
COPY --from=build /src/target/quarkus-app/ /opt/pinhole/quarkus-app/
COPY --chmod=0755 bin/pinhole /opt/pinhole/bin/pinhole
# The connector's AOT cache (JDK 25, JEP 483/514/515; docs/dataplane.md#start-time-and-memory): a training run
# (dev.pinhole.connector.AotTrainingRun: start, ready through an egress check over TLS, each HTTP endpoint once) with the JVM options the operator
# renders for connector pods (DesiredDeployment.CONNECTOR_JAVA_OPTS; DockerfileTest keeps the two equal) writes
# /opt/pinhole/connector.aot, which `pinhole connector` uses: classes come loaded and linked, the start is shorter.
RUN JAVA_OPTS="-XX:+UseSerialGC -XX:MaxRAMPercentage=33 -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:-ShrinkHeapInSteps -XX:TrimNativeHeapInterval=5000 -XX:+ExitOnOutOfMemoryError -XX:+DisplayVMOutputToStderr -Djdk.reflect.useNativeAccessorOnly=true" /opt/pinhole/bin/pinhole aot-train
# MALLOC_ARENA_MAX: glibc gives each busy thread a malloc arena of its own; two arenas kept the operator's RSS
# 70 MiB lower at 1,000 AppConnectors (docs/scale.md) at no measurable cost. JAVA_OPTS are the operator's (the
# chart's javaOpts; docs/scale.md, "Peak RSS"): connector pods get their own, rendered by the operator.
ENV JAVA_OPTS="-XX:MaxRAMPercentage=40.0 -XX:MinRAMPercentage=40.0 -XX:+UseSerialGC -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=30 -XX:TieredStopAtLevel=1 -XX:+UseCompactObjectHeaders -XX:+UseStringDeduplication -XX:TrimNativeHeapInterval=5000 -XX:+ExitOnOutOfMemoryError -Dkubernetes.request.timeout=60000" \
    MALLOC_ARENA_MAX=2 \
    LANG=C.UTF-8
# Numeric user and group so Kubernetes can verify runAsNonRoot without a passwd entry.
USER 65532:65532
WORKDIR /tmp
# 8080/tcp operator http (health, metrics); 9090/tcp connector metrics and health; 51820/udp WireGuard.
EXPOSE 8080 9090 51820/udp
ENTRYPOINT ["/opt/pinhole/bin/pinhole"]
CMD ["operator"]
