# alexnet-edge inference: the official Deno image, dependencies fetched and compiled at build time
# so the container starts without network access. Build from the repository root:
#   docker build -f deploy/docker/inference.Dockerfile -t alexnet-edge/inference .
FROM denoland/deno:2.9.6

WORKDIR /app
ENV DENO_DIR=/deno-dir NO_COLOR=1 NATS_URL=nats://nats:4222 MODEL=alexnet ALEXNET_NATS_REPLICAS=1
# Dependencies first (cached layer while only source changes): npm packages into node_modules.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY shared/ shared/
COPY services/ services/
# Type-check and compile the entry point and everything it imports into DENO_DIR.
RUN deno cache --frozen services/inference/main.ts
# The in-browser classifier bundle (shared/web/dist/), built once here: the service only reads it,
# so it runs with no permission to start a subprocess or write a file.
RUN deno task web:bundle
RUN chown -R deno:deno /app /deno-dir
USER deno
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD deno eval "const r = await fetch('http://127.0.0.1:8080/healthz'); Deno.exit(r.ok ? 0 : 1)"
CMD ["sh", "-c", "exec deno run -q -P=inference services/inference/main.ts --nats \"$NATS_URL\" --model \"$MODEL\" --port 8080 --instance \"$HOSTNAME\" --retrieval-url \"$RETRIEVAL_PUBLIC_URL\""]
