/**
 * Signed checkpoints end to end, as real processes on a real nats-server: inference and
 * retrieval started with `--trusted-keys` refuse (log, count, never serve) unsigned, forged,
 * re-signed-by-a-stranger and tampered-after-signing checkpoints published on the bus, then
 * serve the genuinely signed one; and `serve:inference --checkpoint DIR` refuses an unsigned
 * folder with one line (exit 2).
 */
import assert from "node:assert/strict";
import { taskArgs } from "../shared/cli/mod.ts";
import { NatsServerProcess } from "../shared/nats_server/mod.ts";
import { connectBus, publishCheckpoint } from "../shared/bus/mod.ts";
import {
  type CheckpointFiles,
  digestsOf,
  parseManifest,
  SIGNATURE_FILE,
  signCheckpoint,
  writeCheckpointDir,
  writeKeyPair,
} from "../shared/checkpoint/mod.ts";
import { pollUntil } from "../shared/cli/mod.ts";
import { readSigningKey } from "../shared/checkpoint/mod.ts";
import { selectBackend } from "../shared/backend/mod.ts";
import { spawnService } from "./fixtures/spawn_service.ts";
import { tinyCheckpoint } from "./fixtures/tiny_checkpoint.ts";

await selectBackend("wasm");

const versionFiles = (version: string) => tinyCheckpoint("trust", version);

/** Uploads and announces files whose digests are intact, however (un)signed: publishCheckpoint checks only digests. */
async function announce(nc: Awaited<ReturnType<typeof connectBus>>, files: CheckpointFiles): Promise<void> {
  await publishCheckpoint(nc, files, { runId: "r", epoch: 1, best: true });
}

Deno.test("services with --trusted-keys refuse every checkpoint but the genuinely signed one", async () => {
  const keys = await Deno.makeTempDir({ prefix: "alexnet-keys-" });
  const trainer = await writeKeyPair(keys, "trainer");
  const stranger = await writeKeyPair(`${keys}/other`, "stranger");
  const sign = async (files: CheckpointFiles, key = trainer.privatePath) =>
    await signCheckpoint(files, await readSigningKey(key));
  const nats = await NatsServerProcess.start();
  const nc = await connectBus(nats.url);
  const services = [
    await spawnService("services/inference/main.ts", ["--nats", nats.url, "--model", "trust"], {
      trustedKeys: trainer.publicPath,
    }),
    await spawnService("services/retrieval/main.ts", ["--nats", nats.url, "--model", "trust"], {
      trustedKeys: keys, // a folder: every *.public.jwk in it (the stranger's is in a subfolder)
    }),
  ];
  const [inference, retrieval] = services;
  const versionOf = async () => ({
    inference: (await fetch(`${inference.base}/v1/models`).then((r) => r.json())).loaded?.version ?? null,
    retrieval: (await fetch(`${retrieval.base}/v1/status`).then((r) => r.json())).model?.version ?? null,
  });
  const refusals = async () => ({
    inference: Number(
      /alexnet_checkpoints_refused_total\{reason="signature"\} (\d+)/.exec(
        await fetch(`${inference.base}/metrics`).then((r) => r.text()),
      )?.[1] ?? 0,
    ),
    retrieval: Number(
      /alexnet_retrieval_checkpoints_refused (\d+)/.exec(await fetch(`${retrieval.base}/metrics`).then((r) => r.text()))
        ?.[1] ?? 0,
    ),
  });
  try {
    const unsigned = await versionFiles("v1-unsigned");
    await publishCheckpoint(nc, unsigned, { runId: "r", epoch: 1, best: true });

    const genuine = await sign(await versionFiles("v2-genuine"));
    const resigned = await sign(await versionFiles("v3-stranger"), stranger.privatePath);
    // Tampered after signing: a byte of a shard changed and the manifest's digests updated to match.
    const tampered = await sign(await versionFiles("v4-tampered"));
    const shard = [...tampered.keys()].find((name) => name.endsWith(".bin"))!;
    tampered.set(shard, tampered.get(shard)!.slice());
    tampered.get(shard)![5] ^= 1;
    const manifest = { ...parseManifest(tampered) };
    const { [SIGNATURE_FILE]: _, ...unsignedFiles } = Object.fromEntries(tampered);
    manifest.files = await digestsOf(new Map(Object.entries(unsignedFiles).filter(([n]) => n !== "manifest.json")));
    tampered.set("manifest.json", new TextEncoder().encode(JSON.stringify(manifest)));
    // Forged: other weights under a new version with the genuine signature copied over.
    const forged = await versionFiles("v5-forged");
    forged.set(SIGNATURE_FILE, genuine.get(SIGNATURE_FILE)!);

    for (const files of [resigned, tampered, forged]) await announce(nc, files);
    await pollUntil("4 refusals on each service", async () => {
      const r = await refusals();
      return r.inference === 4 && r.retrieval === 4;
    }, { timeoutMs: 60_000 });
    assert.deepEqual(await versionOf(), { inference: null, retrieval: null }, "nothing was served");
    assert.equal((await fetch(`${inference.base}/readyz`)).status, 503);

    await announce(nc, genuine);
    await pollUntil("the genuine version to be served", async () => {
      const v = await versionOf();
      return v.inference === "v2-genuine" && v.retrieval === "v2-genuine";
    }, { timeoutMs: 60_000 });
  } finally {
    for (const service of services) {
      service.child.kill("SIGTERM");
      await service.child.status;
    }
    await nc.close();
    await nats.stop({ removeStore: true });
    await Deno.remove(keys, { recursive: true });
  }
});

Deno.test("serve:inference --checkpoint refuses an unsigned folder with one line, serves a signed one", async () => {
  const keys = await Deno.makeTempDir({ prefix: "alexnet-keys-" });
  const trainer = await writeKeyPair(keys, "trainer");
  const unsignedDir = await Deno.makeTempDir(), signedDir = await Deno.makeTempDir();
  const files = await versionFiles("v1");
  await writeCheckpointDir(unsignedDir, files);
  await writeCheckpointDir(signedDir, await signCheckpoint(files, await readSigningKey(trainer.privatePath)));
  try {
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: [
        ...taskArgs("serve:inference"),
        ...["--checkpoint", unsignedDir, "--trusted-keys", trainer.publicPath, "--port", "0", "--backend", "wasm"],
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    const last = new TextDecoder().decode(stderr).trim().split("\n").at(-1)!;
    assert.equal(code, 2, last);
    assert.match(last, /^error: .*: the checkpoint is not signed; sign it \(train --signing-key\)/);
    const service = await spawnService("services/inference/main.ts", ["--checkpoint", signedDir], {
      trustedKeys: trainer.publicPath,
    });
    try {
      assert.equal((await fetch(`${service.base}/readyz`).then((r) => r.json())).model.version, "v1");
    } finally {
      service.child.kill("SIGTERM");
      await service.child.status;
    }
  } finally {
    for (const dir of [keys, unsignedDir, signedDir]) await Deno.remove(dir, { recursive: true });
  }
});
