/**
 * `manifest.json`: everything needed to use a checkpoint besides the weights (DESIGN.md,
 * "Checkpoint format"), validated with zod at every read.
 *
 * @module
 */
import { z } from "zod";
import { ARCHITECTURES, MIN_INPUT_SIZE } from "./architectures.ts";

const triple = z.tuple([z.number(), z.number(), z.number()]);

/** Schema of `manifest.json`. */
export const CheckpointManifestSchema = z.object({
  schema: z.literal("alexnet-edge/checkpoint@1"),
  name: z.string().min(1),
  version: z.string().min(1),
  arch: z.enum(ARCHITECTURES),
  inputSize: z.number().int().min(MIN_INPUT_SIZE),
  groups: z.union([z.literal(1), z.literal(2)]),
  /** How the weight shards store values: float32, or quantized (`weight_storage.ts`). */
  weights: z.enum(["float32", "float16", "int8"]).default("float32"),
  /**
   * int8 only: one scale per output channel (`per-channel`, what `quantize --to int8` writes), or
   * TF.js's per-tensor affine codes (`per-tensor`; int8 checkpoints without this field are such).
   */
  quantization: z.enum(["per-channel", "per-tensor"]).optional(),
  /** Channel/unit multiplier (1 = the paper's widths). */
  width: z.number().positive().default(1),
  classNames: z.array(z.string()).min(2),
  normalization: z.object({ mean: triple, std: triple }),
  /** Resize the short side to this before cropping `inputSize` (training and evaluation). */
  resizeSize: z.number().int().positive(),
  colourPca: z.object({ eigenvalues: triple, eigenvectors: z.tuple([triple, triple, triple]) }).nullable(),
  training: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  createdAt: z.string().datetime(),
  /** sha256 (hex) of every other file in the checkpoint. */
  files: z.record(z.string(), z.string().regex(/^[0-9a-f]{64}$/)),
});

/** A parsed `manifest.json`. */
export type CheckpointManifest = z.infer<typeof CheckpointManifestSchema>;
