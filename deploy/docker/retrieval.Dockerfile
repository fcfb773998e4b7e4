# alexnet-edge retrieval: the official Deno image, dependencies fetched and compiled at build time
# so the container starts without network access. Build from the repository root:
#   docker build -f deploy/docker/retrieval.Dockerfile -t alexnet-edge/retrieval .
FROM denoland/deno:2.9.6

WORKDIR /app
ENV DENO_DIR=/deno-dir NO_COLOR=1 NATS_URL=nats://nats:4222 MODEL=alexnet ALEXNET_NATS_REPLICAS=1
# Dependencies first (cached layer while only source changes): npm packages into node_modules.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY shared/ shared/
COPY services/ services/
# Type-check and compile the entry point and everything it imports into DENO_DIR.
RUN deno cache --frozen services/retrieval/main.ts
RUN chown -R deno:deno /app /deno-dir
USER deno
EXPOSE 8081
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD deno eval "const r = await fetch('http://127.0.0.1:8081/healthz'); Deno.exit(r.ok ? 0 : 1)"
CMD ["sh", "-c", "exec deno run -q -P=retrieval services/retrieval/main.ts --nats \"$NATS_URL\" --model \"$MODEL\" --port 8081 --instance \"$HOSTNAME\" --inference-url \"$INFERENCE_PUBLIC_URL\""]
