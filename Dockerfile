# syntax=docker/dockerfile:1.7
#
# Product Store: one image for every service. The command picks the mode:
#
#   docker build -t product-store .
#   docker run --rm -p 127.0.0.1:8080:8080 -e HTTP_HOST=0.0.0.0 product-store          # all-in-one (dev profile)
#   docker run --rm -e SECRET_KEY=... -e INTERNAL_KEY=... -e CASSANDRA_HOST=... product-store catalog
#
# Modes: all (default), catalog, cart, order, user; operator commands: grant-admin NAME, revoke-admin NAME,
# delete-user NAME. The whole stack: docker-compose.yml; Kubernetes: k8s/. See docs/deployment.md.

# ---- build: the fat jar and the embedded node's class path, exactly as on a laptop ------------------------
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# Only what the build reads (the .dockerignore keeps target/, data/, .git and secrets out of the context).
COPY mvnw pom.xml ./
COPY .mvn/ .mvn/
COPY conf/ conf/
COPY cassandra-node/ cassandra-node/
COPY verticles/ verticles/
COPY launcher/ launcher/
# The wrapper fetches the Maven version the repository pins; the cache mount keeps ~/.m2 (dependencies and
# that Maven) between builds. No training start for class archives: an archive is only good for the JDK and the
# paths it was recorded with, and the runtime stage has other ones.
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -B -q package -DskipTests -DskipClassArchives \
    && mkdir -p /out \
    && cp launcher/target/product-store.jar /out/ \
    && cp -r launcher/target/cassandra-lib /out/cassandra-lib

# ---- docs: the MkDocs site that all-in-one mode serves at /docs/ (DOCS_SITE_DIR=site, beside the jar) -------
# mkdocs-material 8.2.5 is the release Debian ships, which CI builds the site with. Documentation never fails the
# image: if the build fails, /docs/ shows a page saying so.
FROM squidfunk/mkdocs-material:8.2.5 AS docs
WORKDIR /docs
COPY mkdocs.yml ./
COPY docs/ docs/
RUN mkdocs build --site-dir /site || { \
        mkdir -p /site && echo '<!doctype html><title>Docs not built</title>' \
        '<p>mkdocs build failed when this image was built: see the build log.</p>' >/site/index.html; }

# ---- runtime: a JRE, the jar, cassandra-lib/ beside it, a non-root user -----------------------------------
FROM eclipse-temurin:17-jre AS runtime
LABEL org.opencontainers.image.title="product-store" \
      org.opencontainers.image.description="Product Store: catalog, cart, order and user services (Vert.x 5, Java 17) in one image" \
      org.opencontainers.image.licenses="Apache-2.0"

# A system user with a fixed numeric id (Kubernetes' runAsNonRoot checks the number); uid 1000 is taken by
# the base image's "ubuntu" user.
RUN groupadd --system --gid 10001 store \
    && useradd --system --uid 10001 --gid store --home-dir /app --no-create-home --shell /usr/sbin/nologin store

WORKDIR /app
COPY --from=build /out/product-store.jar /app/product-store.jar
# The launcher looks for the embedded Cassandra's jars in cassandra-lib/ beside the jar (all-in-one mode
# without CASSANDRA_HOST starts that node as a child JVM, data in /app/data).
COPY --from=build /out/cassandra-lib/ /app/cassandra-lib/
COPY --from=docs /site/ /app/site/
COPY --chmod=0755 deploy/healthcheck.sh /app/healthcheck.sh
RUN mkdir -p /app/data && chown store:store /app/data

USER 10001:10001

# 8080 all-in-one; 8000-8003 each service's public listener (the gateway, Prometheus' /metrics);
# 9000-9003 each service's internal listener (the other services only: never publish these).
EXPOSE 8080 8000 8001 8002 8003 9000 9001 9002 9003

# Readiness (Cassandra and required peers reachable) on whichever port this mode listens on. bash's
# /dev/tcp instead of curl: nothing extra in the image. The start period covers a cold JVM and, in
# all-in-one mode, the embedded node's first start.
HEALTHCHECK --interval=10s --timeout=6s --start-period=120s --retries=6 \
    CMD ["/bin/bash", "/app/healthcheck.sh"]

# Container-aware memory: the heap is a share of the container's memory limit (JDK 17 reads cgroup limits),
# leaving room for metaspace, thread stacks, direct buffers (Netty) and the JIT. In all-in-one mode the
# embedded Cassandra is a second JVM in the same container (CASSANDRA_HEAP, 512M): give such a container
# 2 GiB or more. OOM ends the process so the orchestrator restarts it instead of leaving it half-alive.
# SIGTERM (docker stop, Kubernetes) stops accepting, answers the requests in progress (up to 15 s) and exits 0.
# two malloc arenas: glibc's default (up to one per busy thread) can multiply native memory by the thread count
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=70", "-XX:MaxDirectMemorySize=64m", "-XX:InitialRAMPercentage=25", "-XX:+ExitOnOutOfMemoryError", "-jar", "/app/product-store.jar"]
CMD ["all"]
