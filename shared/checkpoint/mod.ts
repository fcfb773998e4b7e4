/**
 * Checkpoint bytes: the manifest schema, file digests and verification, checkpoint folders,
 * quantized copies, and readers of PyTorch files (`.pth`, `.npy`) and their download. Nothing
 * here imports TensorFlow.js or builds a network — that is the codec (`shared/codec`, a layer above the model) — so
 * the bus and admin commands can stand on it.
 *
 * @example
 * ```ts
 * import { readCheckpointDir, verifyCheckpoint } from "../../shared/checkpoint/mod.ts";
 * const manifest = await verifyCheckpoint(await readCheckpointDir("runs/x/best"));
 * ```
 *
 * @module
 */
export { type Architecture, ARCHITECTURES, MIN_INPUT_SIZE } from "./architectures.ts";
export { type CheckpointManifest, CheckpointManifestSchema } from "./checkpoint_manifest.ts";
export {
  addWeightShards,
  CheckpointDigestError,
  type CheckpointFiles,
  CheckpointFormatError,
  concatBytes,
  digestsOf,
  manifestInfo,
  type ManifestInput,
  parseManifest,
  sha256Hex,
  SHARD_BYTES,
  verifyCheckpoint,
  weightManifest,
  type WeightSpec,
} from "./checkpoint_files.ts";
export { folderSource, readCheckpointDir, writeCheckpointDir } from "./checkpoint_dir.ts";
export {
  assertSafeFileName,
  type CheckpointSource,
  filesSource,
  openCheckpoint,
  type OpenedCheckpoint,
  readVerifiedFile,
} from "./checkpoint_source.ts";
export { CheckpointFetchError, urlSource, type UrlSourceOptions } from "./checkpoint_url.ts";
export {
  float16BitsToFloat32,
  storedBytes,
  tfjsReadableWeights,
  type WeightStorage,
  weightStorage,
  weightValues,
} from "./weight_storage.ts";
export { asCheckpointUsageError } from "./checkpoint_usage_error.ts";
export {
  CheckpointSignatureError,
  type CheckpointSigner,
  checkSignature,
  generateSigningKeys,
  keyIdOf,
  SIGNATURE_FILE,
  signCheckpoint,
  signerFromJwk,
  trustedKeysFromJwks,
  type TrustPolicy,
} from "./checkpoint_signature.ts";
export {
  describeTrust,
  readSigningKey,
  readTrustPolicy,
  trustFlags,
  trustFlagsHelp,
  writeKeyPair,
} from "./signing_keys.ts";
export { sampleManifestInfo } from "./sample_manifest_info.ts";
export {
  float32ToFloat16Bits,
  quantizeCheckpoint,
  type QuantizeOptions,
  WEIGHT_ENCODINGS,
  type WeightEncoding,
} from "./quantize_checkpoint.ts";
export { type NpyArray, NpyFormatError, readNpy, writeNpy } from "./read_npy.ts";
export { PthFormatError, readPthStateDict, type TorchTensor } from "./read_pth.ts";
export {
  type DownloadOptions,
  downloadWeights,
  hashPrefixOf,
  KNOWN_WEIGHTS,
  WeightsDownloadError,
} from "./download_weights.ts";
