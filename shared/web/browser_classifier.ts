/**
 * Runs a served checkpoint inside the browser with TensorFlow.js (WASM or WebGL), for the
 * classify page's side-by-side comparison. Bundled for the browser on demand by
 * {@linkcode buildBrowserBundle}; it shares the custom layers with the server, so the model
 * the browser loads is the same `model.json` and weights.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import "../model/adaptive_avg_pool2d.ts";
import "../model/local_response_norm.ts";
import "../model/grouped_conv2d.ts";

// The few DOM types this module uses, declared here so that type-checking it with the rest
// of the (Deno) project does not pull the DOM library into every file.
interface Canvas2D {
  imageSmoothingQuality: string;
  drawImage(
    image: ImageSource,
    sx: number,
    sy: number,
    sw: number,
    sh: number,
    dx: number,
    dy: number,
    dw: number,
    dh: number,
  ): void;
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
  normalization: { mean: number[]; std: number[] };
  labels: { en: string; zh: string }[];
}

/** One browser classification. */
export interface BrowserClassification {
  predictions: { index: number; labels: { en: string; zh: string }; probability: number }[];
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
  const { inputSize, resizeSize } = info;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = inputSize;
  const context = canvas.getContext("2d", { willReadFrequently: true })!;
  return {
    info,
    backend: tf.getBackend(),
    loadSeconds: (performance.now() - started) / 1000,
    async classify(image, topk = 5) {
      const t0 = performance.now();
      // Resize the short side to resizeSize, then take the centre inputSize square: the
      // same geometry as the server's evaluation crop, drawn in one step.
      const scale = resizeSize / Math.min(image.width, image.height);
      const side = inputSize / scale;
      context.imageSmoothingQuality = "high";
      context.drawImage(
        image,
        (image.width - side) / 2,
        (image.height - side) / 2,
        side,
        side,
        0,
        0,
        inputSize,
        inputSize,
      );
      const pixels = context.getImageData(0, 0, inputSize, inputSize).data;
      const values = new Float32Array(inputSize * inputSize * 3);
      const { mean, std } = info.normalization;
      for (let p = 0, q = 0; p < pixels.length; p += 4) {
        for (let c = 0; c < 3; c++, q++) values[q] = (pixels[p + c] / 255 - mean[c]) / std[c];
      }
      const t1 = performance.now();
      const probabilities = tf.tidy(() =>
        tf.softmax(model.predict(tf.tensor4d(values, [1, inputSize, inputSize, 3])) as tf.Tensor)
      );
      const row = await probabilities.data();
      probabilities.dispose();
      const t2 = performance.now();
      const order = [...row.keys()].sort((a, b) => row[b] - row[a]).slice(0, topk);
      return {
        predictions: order.map((index) => ({ index, labels: info.labels[index], probability: row[index] })),
        timings: { preprocess: t1 - t0, infer: t2 - t1, total: t2 - t0 },
      };
    },
    dispose: () => model.dispose(),
  };
}
