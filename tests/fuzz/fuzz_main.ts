/**
 * `deno task fuzz`: bad input, counted. Starts inference and retrieval (real processes on a NATS
 * of their own), sends every case of `fuzz_cases.ts` to classify (raw and multipart),
 * classify/batch, search and add-image until `--requests` have gone, many in flight, and checks
 * what the issue requires: no response ≥ 500, no dropped connection, every decodable image
 * answered, other formats refused with a 415 naming JPEG and PNG, nothing stored for a refused
 * add, resident memory after the run within 10% of before. Prints the table; exit 0 only if all
 * hold.
 *
 * @module
 */
import { parseFlags, ProgressBar, runCli, UsageError } from "../../shared/cli/mod.ts";
import { SeededRandom } from "../../shared/random/mod.ts";
import { residentKiB, startServiceStack } from "../fixtures/service_stack.ts";
import { basePhotos, type FuzzCase, fuzzCases } from "./fuzz_cases.ts";

const HELP = `Send malformed and unusual images to the services and count what comes back.

Usage: deno task fuzz [--requests 10000] [--concurrency 16] [--photos DIR] [--seed 1] [--json FILE]

  --requests N     requests to send in all (default 10000)
  --concurrency N  requests in flight (default 16)
  --photos DIR     JPEG/PNG photos to build the cases from (default: generated shapes)
  --python PATH    Python with Pillow, which makes the format variants (default /usr/bin/python3)
  --warm-up-rounds N  uncounted rounds of every case before memory is measured (default 5)
  --json FILE      also write the counts as JSON`;

type Endpoint = "classify" | "classify multipart" | "classify/batch" | "search" | "add image";
const ENDPOINTS: Endpoint[] = ["classify", "classify multipart", "classify/batch", "search", "add image"];

interface Tally {
  requests: number;
  ok: number;
  clientErrors: number;
  serverErrors: number;
  dropped: number;
  /** Answered when it should have been refused or the other way round, or the wrong 4xx. */
  wrong: number;
  statuses: Map<number, number>;
}

const tally = (): Tally => ({
  requests: 0,
  ok: 0,
  clientErrors: 0,
  serverErrors: 0,
  dropped: 0,
  wrong: 0,
  statuses: new Map(),
});

const blob = (c: FuzzCase) => new Blob([c.bytes as BlobPart], c.contentType ? { type: c.contentType } : {});

/** The request for one case at one endpoint. */
function request(
  c: FuzzCase,
  endpoint: Endpoint,
  bases: { inference: string; retrieval: string },
  id: string,
  good: FuzzCase,
) {
  const raw = (url: string) =>
    new Request(url, {
      method: "POST",
      body: c.bytes as BodyInit,
      headers: c.contentType ? { "content-type": c.contentType } : {},
    });
  const form = (url: string, fill: (f: FormData) => void) => {
    if (c.rawBody) return raw(url);
    const f = new FormData();
    fill(f);
    return new Request(url, { method: "POST", body: f });
  };
  switch (endpoint) {
    case "classify":
      return raw(`${bases.inference}/v1/classify?topk=2`);
    case "classify multipart":
      return form(`${bases.inference}/v1/classify?topk=2`, (f) => f.append("image", blob(c), "case"));
    case "classify/batch":
      return form(`${bases.inference}/v1/classify/batch?topk=1`, (f) => {
        f.append("image", blob(c), "case");
        f.append("image", blob(good), "good");
      });
    case "search":
      return raw(`${bases.retrieval}/v1/search?k=3`);
    case "add image":
      return form(`${bases.retrieval}/v1/images`, (f) => {
        f.append("image", blob(c), "case");
        f.append("id", id);
      });
  }
}

/** Whether the answer is the right one; also notes adds that were stored. */
async function judge(c: FuzzCase, endpoint: Endpoint, response: Response, stored: Set<string>, id: string) {
  const body = await response.json().catch(() => null);
  const status = response.status;
  if (status >= 500) return false;
  if (endpoint === "add image" && status === 201) stored.add(body?.id ?? id);
  if (endpoint === "classify/batch" && status === 200) {
    // The batch itself was fine; the case's own entry carries its verdict (and the good image
    // sent beside it must be answered).
    const [mine, other] = body?.results ?? [];
    if (!c.rawBody && !other?.predictions) return false;
    if (c.expect === "answer") return Array.isArray(mine?.predictions);
    if (c.expect === "refuse") return typeof mine?.error?.code === "string" && refusedRight(c, mine.error);
    return true;
  }
  const answered = status === 200 || status === 201;
  if (c.expect === "answer") return answered;
  if (c.expect === "refuse") return status >= 400 && status < 500 && refusedRight(c, body?.error, status);
  return answered || (status >= 400 && status < 500);
}

function refusedRight(c: FuzzCase, error: { code?: string; message?: string } | undefined, status?: number): boolean {
  if (c.refuseWith === 415) {
    return (status === undefined || status === 415) && /JPEG/.test(error?.message ?? "") &&
      /PNG/.test(error?.message ?? "");
  }
  if (c.refuseWith === 413) {
    return status === undefined ? /too_many_pixels|body_too_large/.test(error?.code ?? "") : status === 413;
  }
  if (c.refuseWith !== undefined && status !== undefined) return status === c.refuseWith;
  return true;
}

/**
 * The plan: rounds of every (case, endpoint) pair in a seeded shuffled order (so a short run
 * still meets every kind of case), heavy cases only every few rounds, until `total`.
 */
function plan(cases: FuzzCase[], total: number, seed: number): [FuzzCase, Endpoint][] {
  const rng = new SeededRandom(seed);
  const out: [FuzzCase, Endpoint][] = [];
  for (let r = 0; out.length < total; r++) {
    const round: [FuzzCase, Endpoint][] = [];
    for (const c of cases) {
      // Weight w < 1: once every 1/w rounds; weight k ≥ 1: k times a round.
      const times = c.weight >= 1 ? c.weight : (r % Math.round(1 / c.weight) === 0 ? 1 : 0);
      for (let t = 0; t < times; t++) for (const e of ENDPOINTS) round.push([c, e]);
    }
    out.push(...rng.shuffle(round).slice(0, total - out.length));
  }
  return out;
}

/** Resident memory of each process once idle: 5 s after the last request, the median of 10 readings over 2 s. */
async function settledResident(pids: number[]): Promise<(number | null)[]> {
  await new Promise((r) => setTimeout(r, 5000));
  const readings: (number | null)[][] = [];
  for (let i = 0; i < 10; i++) {
    readings.push(await Promise.all(pids.map(residentKiB)));
    await new Promise((r) => setTimeout(r, 200));
  }
  return pids.map((_, p) => {
    const values = readings.map((r) => r[p]).filter((v): v is number => v !== null).sort((a, b) => a - b);
    return values.length ? values[Math.floor(values.length / 2)] : null;
  });
}

function table(rows: [string, Tally][]): string {
  const head = ["", "requests", "2xx", "4xx", "5xx", "dropped", "wrong", "statuses"];
  const lines = rows.map(([name, t]) => [
    name,
    String(t.requests),
    String(t.ok),
    String(t.clientErrors),
    String(t.serverErrors),
    String(t.dropped),
    String(t.wrong),
    [...t.statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(" "),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 7 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [fmt(head), ...lines.map(fmt)].join("\n");
}

async function main(args: string[]): Promise<number> {
  const { values } = parseFlags({
    args,
    options: {
      requests: { type: "string", default: "10000" },
      concurrency: { type: "string", default: "16" },
      photos: { type: "string" },
      seed: { type: "string", default: "1" },
      python: { type: "string", default: Deno.env.get("PYTHON") ?? "/usr/bin/python3" },
      json: { type: "string" },
      "warm-up-rounds": { type: "string", default: "5" },
      help: { type: "boolean" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const total = Number(values.requests), concurrency = Number(values.concurrency), seed = Number(values.seed);
  const warmUpRounds = Number(values["warm-up-rounds"]);
  for (
    const [flag, n] of [["requests", total], ["concurrency", concurrency], ["seed", seed], [
      "warm-up-rounds",
      warmUpRounds,
    ]] as const
  ) {
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer`);
  }
  const workDir = await Deno.makeTempDir({ prefix: "alexnet-fuzz-" });
  const log = (line: string) => console.error(line);
  const photos = await basePhotos(values.photos ?? null, 4, workDir);
  const cases = await fuzzCases({ photos, python: values.python!, workDir, seed });
  const good = cases.find((c) => c.category === "original photos")!;
  log(`fuzz: ${cases.length} cases from ${photos.length} photos, ${ENDPOINTS.length} endpoints, ${total} requests`);
  const stack = await startServiceStack();
  const bases = { inference: stack.inference.base, retrieval: stack.retrieval.base };
  const byCategory = new Map<string, Tally>(), byEndpoint = new Map<string, Tally>(), all = tally();
  const stored = new Set<string>(), refusedAdds: string[] = [], wrongExamples: string[] = [];
  let next = 0;
  const send = async (phase: string, work: [FuzzCase, Endpoint][], bar?: ProgressBar) => {
    next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < work.length) {
        const n = next++;
        const [c, endpoint] = work[n];
        const tallies = [all, byEndpoint.get(endpoint)!, byCategory.get(c.category)!];
        const id = `fz-${phase}-${n}`;
        let status = -1, right = false;
        try {
          const response = await fetch(request(c, endpoint, bases, id, good));
          status = response.status;
          right = await judge(c, endpoint, response, stored, id);
        } catch (error) {
          if (wrongExamples.length < 10) {
            wrongExamples.push(`${c.category} / ${c.name} → ${endpoint}: dropped (${error})`);
          }
        }
        if (endpoint === "add image" && status !== 201 && status !== 200) refusedAdds.push(id);
        for (const t of tallies) {
          t.requests++;
          if (status < 0) t.dropped++;
          else {
            t.statuses.set(status, (t.statuses.get(status) ?? 0) + 1);
            if (status >= 500) t.serverErrors++;
            else if (status >= 400) t.clientErrors++;
            else t.ok++;
            if (!right) t.wrong++;
          }
        }
        if (status >= 0 && !right && wrongExamples.length < 10) {
          wrongExamples.push(`${c.category} / ${c.name} (expect ${c.expect}) → ${endpoint}: ${status}`);
        }
        bar?.tick(1);
      }
    }));
  };
  for (const e of ENDPOINTS) byEndpoint.set(e, tally());
  for (const c of cases) if (!byCategory.has(c.category)) byCategory.set(c.category, tally());
  try {
    const catalogued = (await (await fetch(`${bases.retrieval}/v1/status`)).json()).images as number;
    // Rounds of every case first (uncounted), so both services have met every kind of input, the
    // largest included, before their memory is measured: what grows after that is a leak.
    await send(
      "warm",
      plan(cases.map((c) => ({ ...c, weight: 1 })), warmUpRounds * cases.length * ENDPOINTS.length, seed + 1),
    );
    for (const t of [all, ...byEndpoint.values(), ...byCategory.values()]) Object.assign(t, tally());
    wrongExamples.length = 0;
    const before = await settledResident([stack.inference.child.pid, stack.retrieval.child.pid]);
    const started = performance.now();
    await send("run", plan(cases, total, seed), new ProgressBar("fuzz", total, { unit: "requests" }));
    const seconds = (performance.now() - started) / 1000;
    const after = await settledResident([stack.inference.child.pid, stack.retrieval.child.pid]);
    // Nothing stored for a refused add: the catalogue grew by the adds answered 201, and no refused id is there.
    const status = await (await fetch(`${bases.retrieval}/v1/status`)).json();
    let leaked = 0;
    for (const id of refusedAdds.slice(0, 300)) {
      const r = await fetch(`${bases.retrieval}/v1/images/${id}`);
      await r.body?.cancel();
      if (r.status !== 404) leaked++;
    }
    const grewBy = status.images - catalogued;
    console.log(`\n${table([["all", all], ...byEndpoint, ...byCategory])}\n`);
    const rss = ["inference", "retrieval"].map((name, i) => {
      const [b, a] = [before[i], after[i]];
      const change = b && a ? (a - b) / b : null;
      return { name, beforeMiB: b && b / 1024, afterMiB: a && a / 1024, change };
    });
    for (const r of rss) {
      console.log(
        `RSS ${r.name}: ${r.beforeMiB?.toFixed(0)} MiB before, ${r.afterMiB?.toFixed(0)} MiB after (${
          r.change === null ? "?" : `${r.change >= 0 ? "+" : ""}${(r.change * 100).toFixed(1)}%`
        })`,
      );
    }
    console.log(
      `adds: ${stored.size} stored (catalogue +${grewBy}), ${refusedAdds.length} refused, ` +
        `${leaked} of ${Math.min(300, refusedAdds.length)} refused ids found in the catalogue`,
    );
    console.log(
      `${all.requests} requests in ${seconds.toFixed(1)} s (${
        (all.requests / seconds).toFixed(0)
      }/s), ${concurrency} in flight`,
    );
    for (const line of wrongExamples) console.log(`  ${line}`);
    const checks: [string, boolean][] = [
      ["no response ≥ 500", all.serverErrors === 0],
      ["no dropped connection", all.dropped === 0],
      ["every case answered as expected (decodable → 200, other formats → 415 naming JPEG and PNG)", all.wrong === 0],
      ["nothing stored for a refused add", leaked === 0 && grewBy === stored.size],
      ["RSS after within 10% of before", rss.every((r) => r.change !== null && r.change <= 0.1)],
    ];
    for (const [what, ok] of checks) console.log(`${ok ? "PASS" : "FAIL"} ${what}`);
    if (values.json) {
      await Deno.writeTextFile(
        values.json,
        JSON.stringify(
          { requests: all.requests, seconds, all: { ...all, statuses: Object.fromEntries(all.statuses) }, rss, checks },
          null,
          2,
        ),
      );
    }
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await stack.stop();
    await Deno.remove(workDir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) await runCli(() => main(Deno.args));
