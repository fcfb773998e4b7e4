# alexnet-edge trainer: the official Deno image, dependencies fetched and compiled at build time
# so the container starts without network access. Build from the repository root:
#   docker build -f deploy/docker/trainer.Dockerfile -t alexnet-edge/trainer .
FROM denoland/deno:2.9.6

WORKDIR /app
ENV DENO_DIR=/deno-dir NO_COLOR=1 NATS_URL=nats://nats:4222 MODEL=alexnet ALEXNET_NATS_REPLICAS=1
# Dependencies first (cached layer while only source changes): npm packages into node_modules.
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY shared/ shared/
COPY services/ services/
# Type-check and compile the entry point and everything it imports into DENO_DIR.
RUN deno cache --frozen services/trainer/serve_trainer_main.ts
# Job outputs (run folders); checkpoints also go to the NATS object store.
RUN mkdir -p /data/runs && chown deno:deno /data/runs
VOLUME /data
RUN chown -R deno:deno /app /deno-dir
USER deno
CMD ["sh", "-c", "exec deno run -q -P=trainer --allow-write=/data/runs services/trainer/serve_trainer_main.ts --nats \"$NATS_URL\" --name \"$HOSTNAME\" --runs /data/runs"]
