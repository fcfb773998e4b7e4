/**
 * Pixels without tensors: JPEG/PNG decoding (with a pixel guard) and PNG encoding, rescaling,
 * the paper's crops and flips and PCA colour noise (§4.1), normalisation into network input,
 * image folders (Kaggle or one folder per class), generated shapes for tests, the paper's
 * figures, and SVG charts rendered to PNG.
 *
 * @example
 * ```ts
 * import { decodeImage, resizeShortSide } from "../../shared/image/mod.ts";
 * const scaled = resizeShortSide(await decodeImage(await Deno.readFile("cat.0.jpg")), 256);
 * ```
 *
 * @module
 */
export { blankImage, type RgbImage } from "./rgb_image.ts";
export { decodeImage, ImageDecodeError, sniffImageType, UnsupportedImageError } from "./decode_image.ts";
export { type ImageSize, readImageSize } from "./read_image_size.ts";
export { checkPixelLimit, decodeImageWithin, PixelLimitError } from "./pixel_limit.ts";
export { encodeRgbPng } from "./encode_png.ts";
export { encodeJpeg } from "./encode_jpeg.ts";
export { resizeImage, resizeShortSide } from "./resize_short_side.ts";
export {
  centerCrop,
  centerCropWindow,
  cropImage,
  type CropWindow,
  randomCropWindow,
  tenCropWindows,
} from "./crop_image.ts";
export { type ColourPca, computeColourPca, drawColourShift } from "./colour_pca.ts";
export { IMAGENET_NORMALIZATION, type Normalization, normalizeBatch } from "./normalize_batch.ts";
export { type ImageFolder, type LabelledFile, limitPerClass, scanImageFolder } from "./image_folder.ts";
export { type LoadedImages, loadImages } from "./load_images.ts";
export { GENERATED_CLASSES, generateShapeDataset, generateShapeImage } from "./generated_shapes.ts";
export { kernelGrid, nearestByEuclidean, neighbourGrid } from "./paper_figures.ts";
export { svgToPng } from "./svg_to_png.ts";
