/**
 * Runs a served checkpoint inside the browser with TensorFlow.js (WASM or WebGL), for the
 * classify page's side-by-side comparison. Bundled for the browser on demand by
 * {@linkcode buildBrowserBundle}; it shares with the server the custom layers (the model the
 * browser loads is the same `model.json` and weights) and the predictor's pre- and
 * post-processing (the same rescale, centre crop and normalisation, the same softmax and
 * top-k), so only the JPEG/PNG decoder differs.
 *
 * @module
 */
import * as tf from "../backend/tensorflow.ts";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "../model/adaptive_avg_pool2d.ts";
import "../model/local_response_norm.ts";
import "../model/grouped_conv2d.ts";
// The pure files, not the folders' mod.ts: the bundle must not pull in Deno-only code.
import type { Normalization } from "../image/normalize_batch.ts";
import type { RgbImage } from "../image/rgb_image.ts";
import { type LabelledPrediction, topPredictions } from "../predictor/class_scores.ts";
import { modelInput } from "../predictor/preprocess.ts";

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
  loadSeconds: number;
  classify(image: ImageSource, topk?: number): Promise<BrowserClassification>;
  dispose(): void;
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
  if (options.backend === "wasm") setWasmPaths(`${options.baseUrl}/ui/vendor/tfjs-wasm/`);
  if (!(await tf.setBackend(options.backend))) throw new Error(`the ${options.backend} backend is not available here`);
  await tf.ready();
  const info: BrowserModelInfo = await (await fetch(`${options.baseUrl}/v1/model/info`)).json();
  const model = await tf.loadLayersModel(`${options.baseUrl}/v1/model/files/${info.version}/model.json`);
  const { inputSize } = info;
  const canvas = document.createElement("canvas");
  return {
    info,
    backend: tf.getBackend(),
    loadSeconds: (performance.now() - started) / 1000,
    async classify(image, topk = 5) {
      const t0 = performance.now();
      const { values, count } = modelInput([pixelsOf(image, canvas)], info);
      const t1 = performance.now();
      const output = tf.tidy(() => model.predict(tf.tensor4d(values, [count, inputSize, inputSize, 3])) as tf.Tensor);
      const logits = await output.data();
      output.dispose();
      const t2 = performance.now();
      return {
        predictions: topPredictions(logits, count, info.labels, topk),
        timings: { preprocess: t1 - t0, infer: t2 - t1, total: t2 - t0 },
      };
    },
    dispose: () => model.dispose(),
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
