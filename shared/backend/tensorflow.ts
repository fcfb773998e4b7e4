/**
 * TensorFlow.js as this project uses it: the core (tensors, ops, the kernel registry) and the
 * layers API — the same packages and versions the `@tensorflow/tfjs` bundle re-exports, without
 * what the bundle also loads on import: the converter, `tf.data`, the WebGL and CPU backends,
 * and every op's gradient. Measured here: importing the bundle took 360–440 ms and left a 76–77
 * MiB peak RSS; core and layers 150–210 ms and 63–70 MiB (with the WASM backend ready in both),
 * time and memory an edge function's cold start pays. Code that trains imports
 * `training_ops.ts` (gradients and chained ops); backends are added by `select_backend.ts` when
 * chosen.
 *
 * @module
 */
export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
