/**
 * Images in, answers out: load a checkpoint once (`loadPredictor`), then `classify`, `embed`
 * or `logits`; the hot-swap slot the services serve from; the micro-batcher and worker
 * replicas that run the forward passes; the pre- and post-processing the browser shares.
 *
 * @example
 * ```ts
 * import { loadPredictor } from "../../shared/predictor/mod.ts";
 * const predictor = await loadPredictor("runs/cats-dogs/RUN/best");
 * const { predictions } = await predictor.classify(await Deno.readFile("cat.jpg"), { topk: 1 });
 * ```
 *
 * @module
 */
export {
  type Classification,
  type ClassifyOptions,
  Predictor,
  type PredictorInput,
  type PredictorOptions,
} from "./predictor.ts";
export { checkpointSourceOf, loadPredictor, type PredictorSource } from "./load_predictor.ts";
export { NoModelError, PredictorSlot, type Served } from "./predictor_slot.ts";
export { MicroBatcher, type MicroBatchOptions } from "./micro_batcher.ts";
export { directRunner, type LogitsRunner, poolRunner } from "./logits_runner.ts";
export { evaluationCrops, modelInput, type Preprocessing, type TestTimeAugmentation } from "./preprocess.ts";
export { type LabelledPrediction, meanSoftmax, topPredictions } from "./class_scores.ts";
export { type OpenOptions, openPredictor } from "./open_predictor.ts";
export {
  type ImageOutputs,
  imageOutputs,
  type QuantizationAgreement,
  quantizationAgreement,
} from "./quantization_agreement.ts";
export { selectInferenceBackend } from "./inference_backend.ts";
export { BACKEND_NAMES, type BackendName, describeBackendChoice, parseBackendName } from "../backend/backend_names.ts";
