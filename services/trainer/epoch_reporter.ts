/**
 * Everything a run tells the world about its progress: a progress bar per epoch (count, rate,
 * ETA), `metrics.jsonl` (one line per epoch), `curves.svg`/`curves.png` rewritten every epoch,
 * a one-line summary per epoch (or JSON with `--json`), and — with a bus — the run's status,
 * progress and epoch events (`alexnet.train.<runId>.status|progress|epoch`).
 *
 * @module
 */
import {
  ensureEventsStream,
  type EpochMetrics,
  publishTrainStatus,
  trainEpochSubject,
  type TrainProgress,
  trainProgressSubject,
} from "../../shared/bus/mod.ts";
import { ProgressBar } from "../../shared/cli/mod.ts";
import { svgToPng } from "../../shared/image/mod.ts";
import { renderCurvesSvg } from "./curves_svg.ts";
import type { TrainIo } from "./train_config.ts";

/** Settings of {@linkcode EpochReporter}. */
export interface ReporterOptions {
  runId: string;
  /** Model name (chart title, status events). */
  name: string;
  outDir: string;
  /** No progress bars. */
  quiet: boolean;
  /** Each epoch's metrics as JSON on stdout (the summary line goes to the log). */
  json: boolean;
}

/** Reports one epoch's batches as they finish. */
export interface EpochProgress {
  /** `images` more were trained on, the last batch's loss was `loss`. */
  tick(images: number, loss: number): void;
  /** Seconds since the epoch started. */
  done(): number;
}

/** The one-line summary of an epoch. */
export function epochLine(m: EpochMetrics): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return `epoch ${m.epoch}: train loss ${m.trainLoss.toFixed(4)} acc ${pct(m.trainAccuracy)}` +
    (m.valLoss !== null && m.valTop1 !== null
      ? ` | val loss ${m.valLoss.toFixed(4)} top-1 ${pct(m.valTop1)}` +
        (m.valTop5 !== null ? ` top-5 ${pct(m.valTop5)}` : "")
      : "") +
    ` | lr ${m.learningRate} | ${m.seconds.toFixed(1)}s, ${m.imagesPerSec.toFixed(1)} img/s`;
}

/**
 * @example
 * ```ts
 * const reporter = new EpochReporter(options, io);
 * await reporter.begin();
 * const progress = reporter.epoch(1, trainCount);
 * progress.tick(32, 0.69);
 * await reporter.epochDone(metrics, history);
 * await reporter.finish(history);
 * ```
 */
export class EpochReporter {
  readonly #options: ReporterOptions;
  readonly #io: TrainIo;

  constructor(options: ReporterOptions, io: TrainIo) {
    this.#options = options;
    this.#io = io;
  }

  /** Starts `metrics.jsonl` afresh and announces the run as running. */
  async begin(): Promise<void> {
    await Deno.writeTextFile(`${this.#options.outDir}/metrics.jsonl`, "");
    const { nats, worker } = this.#io;
    if (!nats) return;
    // Progress events are kept only once the stream that captures them exists.
    await ensureEventsStream(nats);
    await publishTrainStatus(nats, { runId: this.#options.runId, state: "running", name: this.#options.name, worker });
  }

  /** The progress of epoch `epoch` over `total` training images. */
  epoch(epoch: number, total: number): EpochProgress {
    const { runId, quiet } = this.#options;
    const bar = quiet ? null : new ProgressBar(`epoch ${epoch}`, total, { unit: "images" });
    const started = performance.now();
    let seen = 0, lossSum = 0;
    return {
      tick: (images, loss) => {
        seen += images;
        lossSum += loss * images;
        bar?.tick(images, `loss ${(lossSum / seen).toFixed(4)}`);
        if (!this.#io.nats) return;
        const progress: TrainProgress = {
          schema: "alexnet.train.progress/v1",
          runId,
          epoch,
          seen,
          total,
          imagesPerSec: seen / ((performance.now() - started) / 1000),
          loss,
        };
        this.#io.nats.publish(trainProgressSubject(runId), JSON.stringify(progress));
      },
      done: () => bar?.done() ?? (performance.now() - started) / 1000,
    };
  }

  /** Records a finished epoch: `metrics.jsonl`, the curves of `history`, the summary line, the epoch event. */
  async epochDone(metrics: EpochMetrics, history: EpochMetrics[]): Promise<void> {
    const { outDir, name, runId, json } = this.#options;
    await Deno.writeTextFile(`${outDir}/metrics.jsonl`, JSON.stringify(metrics) + "\n", { append: true });
    const curves = renderCurvesSvg(history, `${name} — run ${runId}`);
    await Deno.writeTextFile(`${outDir}/curves.svg`, curves);
    await Deno.writeFile(`${outDir}/curves.png`, await svgToPng(curves));
    if (json) {
      this.#io.stdout(JSON.stringify(metrics));
      this.#io.log(epochLine(metrics));
    } else this.#io.stdout(epochLine(metrics));
    this.#io.nats?.publish(trainEpochSubject(runId), JSON.stringify(metrics));
  }

  /** Announces the run as done, with its final validation accuracy. */
  async finish(history: EpochMetrics[]): Promise<void> {
    const { nats, worker } = this.#io;
    if (!nats) return;
    const final = history.at(-1)?.valTop1;
    await publishTrainStatus(nats, {
      runId: this.#options.runId,
      state: "done",
      name: this.#options.name,
      worker,
      message: `${history.length} epochs${final != null ? `, val top-1 ${(final * 100).toFixed(1)}%` : ""}`,
    });
  }
}
