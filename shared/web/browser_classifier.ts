/**
 * Runs a served checkpoint inside the browser, for the classify page's side-by-side
 * comparison: the same {@linkcode Predictor} the services use, loaded from the service's
 * `/v1/model/files/VERSION/` endpoint with every file's digest checked — the convolutions on
 * TensorFlow.js (WASM, WebGL or the pure-JS CPU backend) and fc6–fc8 in the same WebAssembly
 * int8/float kernel as the server, so an int8 checkpoint stays int8 in the page too. Bundled for
 * the browser by `deno task web:bundle`; only the image decoder differs (the browser decodes).
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
// The pure files, not the folders' mod.ts: the bundle must not pull in Deno-only code.
import { urlSource } from "../checkpoint/checkpoint_url.ts";
import type { Normalization } from "../image/normalize_batch.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import type { LabelledPrediction } from "../predictor/class_scores.ts";
import { loadPredictor } from "../predictor/load_predictor.ts";

// The few DOM types this module uses, declared here so that type-checking it with the rest
// of the (Deno) project does not pull the DOM library into every file.
interface Canvas2D {
  drawImage(image: ImageSource, dx: number, dy: number): void;
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}
interface Canvas {
  width: number;
  height: number;
  getContext(kind: "2d", options: { willReadFrequently: boolean }): Canvas2D | null;
}
/** An `ImageBitmap` (or anything drawable with a size). */
export interface ImageSource {
  width: number;
  height: number;
}
declare const document: { createElement(tag: "canvas"): Canvas };

/** What the service says about the model it serves (`GET /v1/model/info`). */
export interface BrowserModelInfo {
  name: string;
  version: string;
  inputSize: number;
  resizeSize: number;
  normalization: Normalization;
  labels: { en: string; zh: string }[];
}

/** One browser classification. */
export interface BrowserClassification {
  predictions: LabelledPrediction[];
  timings: { preprocess: number; infer: number; total: number };
}

/** A model loaded in the page. */
export interface BrowserClassifier {
  info: BrowserModelInfo;
  backend: string;
  /** How fc6–fc8 are held (e.g. int8, with relaxed SIMD). */
  dense: { encodings: string[]; memoryBytes: number; relaxedSimd: boolean };
  loadSeconds: number;
  classify(image: ImageSource, topk?: number): Promise<BrowserClassification>;
  dispose(): void;
}

/** Registers the TensorFlow.js backend the page asked for (WASM is imported above). */
async function useBackend(name: "wasm" | "webgl" | "cpu", baseUrl: string): Promise<void> {
  if (name === "wasm") setWasmPaths(`${baseUrl}/ui/vendor/tfjs-wasm/`);
  if (name === "webgl") await import("@tensorflow/tfjs-backend-webgl");
  if (name === "cpu") await import("@tensorflow/tfjs-backend-cpu");
  if (!(await tf.setBackend(name))) throw new Error(`the ${name} backend is not available here`);
  await tf.ready();
}

/**
 * Loads the served model into the page on the requested backend.
 *
 * @example
 * ```ts
 * const classifier = await loadBrowserClassifier({ baseUrl: location.origin, backend: "wasm" });
 * const result = await classifier.classify(await createImageBitmap(file));
 * ```
 */
export async function loadBrowserClassifier(
  options: { baseUrl: string; backend: "wasm" | "webgl" | "cpu" },
): Promise<BrowserClassifier> {
  const started = performance.now();
  await useBackend(options.backend, options.baseUrl);
  const info: BrowserModelInfo = await (await fetch(`${options.baseUrl}/v1/model/info`)).json();
  const predictor = await loadPredictor(urlSource(`${options.baseUrl}/v1/model/files/${info.version}/`));
  const canvas = document.createElement("canvas");
  return {
    info,
    backend: tf.getBackend(),
    dense: predictor.denseHead,
    loadSeconds: (performance.now() - started) / 1000,
    async classify(image, topk = 5) {
      const t0 = performance.now();
      const pixels = pixelsOf(image, canvas);
      const { predictions, timings } = await predictor.classify(pixels, { topk });
      return {
        predictions,
        timings: {
          preprocess: performance.now() - t0 - timings.infer,
          infer: timings.infer,
          total: performance.now() - t0,
        },
      };
    },
    dispose: () => predictor.dispose(),
  };
}

/** The decoded image's pixels as 8-bit RGB, drawn once at its own size (the browser decoded it). */
function pixelsOf(image: ImageSource, canvas: Canvas): RgbImage {
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  context.drawImage(image, 0, 0);
  const rgba = context.getImageData(0, 0, image.width, image.height).data;
  const data = new Uint8Array(image.width * image.height * 3);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    data[q] = rgba[p];
    data[q + 1] = rgba[p + 1];
    data[q + 2] = rgba[p + 2];
  }
  return { width: image.width, height: image.height, data };
}
