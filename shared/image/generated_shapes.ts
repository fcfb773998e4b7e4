/**
 * The embedded default dataset: synthetic pictures of four shapes at random sizes and
 * positions on noisy backgrounds of random colour, so `deno task train` works with no data
 * at hand. Each class has its own shape and its own hue (jittered), so a few hundred
 * steps suffice to learn it, as a smoke test of the whole pipeline should.
 *
 * @module
 */
import type { RgbImage } from "./rgb_image.ts";
import { SeededRandom } from "../random/seeded_random.ts";

/** The generated classes, in label order. */
export const GENERATED_CLASSES = ["disc", "square", "triangle", "cross"] as const;

// Red, green, blue, yellow.
const CLASS_HUES = [[220, 40, 40], [40, 200, 60], [50, 70, 230], [230, 210, 40]];

type Inside = (dx: number, dy: number, r: number) => boolean;
const SHAPES: Record<typeof GENERATED_CLASSES[number], Inside> = {
  disc: (dx, dy, r) => dx * dx + dy * dy <= r * r,
  square: (dx, dy, r) => Math.abs(dx) <= r * 0.8 && Math.abs(dy) <= r * 0.8,
  triangle: (dx, dy, r) => dy <= r * 0.8 && dy >= -r && Math.abs(dx) <= (dy + r) * 0.55,
  cross: (dx, dy, r) =>
    (Math.abs(dx) <= r * 0.25 || Math.abs(dy) <= r * 0.25) && Math.max(Math.abs(dx), Math.abs(dy)) <= r,
};

/** One picture of class `label` (an index into {@linkcode GENERATED_CLASSES}). */
export function generateShapeImage(label: number, size: number, rng: SeededRandom): RgbImage {
  const inside = SHAPES[GENERATED_CLASSES[label]];
  const data = new Uint8Array(size * size * 3);
  const background = [rng.int(256), rng.int(256), rng.int(256)];
  const colour = CLASS_HUES[label].map((c) => Math.max(0, Math.min(255, c + rng.int(61) - 30)));
  const r = size * (0.22 + rng.uniform() * 0.15);
  const cx = r + rng.uniform() * (size - 2 * r);
  const cy = r + rng.uniform() * (size - 2 * r);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const fill = inside(x - cx, y - cy, r) ? colour : background;
      for (let c = 0; c < 3; c++) {
        data[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, fill[c] + rng.int(41) - 20));
      }
    }
  }
  return { width: size, height: size, data };
}

/** `perClass` pictures of each class, deterministic for a seed. */
export function generateShapeDataset(
  perClass: number,
  size: number,
  seed: number,
): { classNames: string[]; images: RgbImage[]; labels: number[] } {
  const rng = new SeededRandom(`shapes-${seed}`);
  const images: RgbImage[] = [];
  const labels: number[] = [];
  for (let i = 0; i < perClass; i++) {
    for (let label = 0; label < GENERATED_CLASSES.length; label++) {
      images.push(generateShapeImage(label, size, rng));
      labels.push(label);
    }
  }
  return { classNames: [...GENERATED_CLASSES], images, labels };
}
