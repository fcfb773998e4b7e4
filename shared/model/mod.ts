/**
 * The networks: the paper's `alexnet` and torchvision's `alexnet-owt` built as TF.js layers
 * models (with LRN, grouped convolutions and adaptive pooling as custom layers), the
 * {@linkcode AlexNet} wrapper (logits, embeddings, weights), the paper's SGD with momentum and
 * weight decay, one training step, and the data-parallel worker pool; for inference, the
 * {@linkcode InferenceNetwork} (convolutions on TF.js, fc6–fc8 in a {@linkcode DenseHead} in
 * their stored precision) and its {@linkcode FeaturePool} of worker replicas.
 *
 * @example
 * ```ts
 * import { AlexNet } from "../../shared/model/mod.ts";
 * const net = AlexNet.create({ arch: "alexnet-owt", numClasses: 2, inputSize: 128 });
 * ```
 *
 * @module
 */
export { AlexNet, DeviceLimitError, InputShapeError } from "./alexnet.ts";
export {
  type AlexNetSpec,
  AlexNetSpecError,
  buildAlexNet,
  defaultInit,
  defaultInputSize,
  EMBEDDING_LAYERS,
  type EmbeddingLayer,
  INIT_SCHEMES,
  type InitScheme,
  TORCHVISION_KEYS,
} from "./build_alexnet.ts";
export { SgdMomentum, type SgdMomentumOptions } from "./sgd_momentum.ts";
export { startTrainStep, type StepResult, trainStep } from "./train_step.ts";
export { DataParallelPool, type PoolOptions } from "./data_parallel_pool.ts";
export {
  type DenseEncoding,
  DenseHead,
  type DenseLayerLayout,
  type DenseLayerSpec,
  type DenseOutputs,
  type DenseTap,
} from "./dense_head.ts";
export { InferenceNetwork, type InferenceSpec } from "./inference_network.ts";
export type { ConvFeatures, ConvPrecision, FeatureReplica } from "./conv_features.ts";
export { type SimdConvLayout, SimdFeatures } from "./simd_features.ts";
export { TfjsFeatures } from "./tfjs_features.ts";
export { type FeatureStep, featureSteps, LRN_DEFAULTS } from "./feature_steps.ts";
export { FeaturePool } from "./feature_pool.ts";
