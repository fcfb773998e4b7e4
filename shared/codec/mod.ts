/**
 * The checkpoint codec: networks to checkpoint files and back, pretrained weights (a checkpoint
 * folder or a torchvision `.pth`) as networks, and numerical parity with PyTorch. Stands on the
 * byte layer (`../mod.ts`) and on `shared/model`.
 *
 * @example
 * ```ts
 * import { decodeCheckpoint } from "../../shared/codec/mod.ts";
 * const { manifest, model } = await decodeCheckpoint(files);
 * ```
 *
 * @module
 */
export {
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpointDir,
  type LoadedCheckpoint,
  manifestFor,
} from "./checkpoint_codec.ts";
export { decodeInferenceNetwork } from "./decode_inference_network.ts";
export { loadPretrained, loadTorchvisionPth } from "./load_pretrained.ts";
export { alexNetFromTorchvision, TORCHVISION_RESIZE, torchvisionManifestInfo } from "./torchvision_alexnet.ts";
export { relativeError, type TorchParity, torchParity } from "./torch_parity.ts";
