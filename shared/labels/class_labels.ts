/**
 * English and Chinese display labels for a checkpoint's classes. A checkpoint trained on the
 * 1000 ImageNet classes uses the WordNet names and the team's Chinese table; any other uses
 * the class names in its manifest, with Chinese from a small table of common names (and an
 * ImageNet name when one matches exactly), else the name itself.
 *
 * @module
 */
import { IMAGENET_EN, IMAGENET_SYNSETS } from "./imagenet_en.ts";
import { IMAGENET_ZH } from "./imagenet_zh.ts";

/** A class as shown to people. */
export interface ClassLabel {
  en: string;
  zh: string;
}

/** Chinese for class names common in custom datasets (Kaggle cats/dogs, generated shapes…). */
const COMMON_ZH: Record<string, string> = {
  cat: "猫",
  cats: "猫",
  dog: "狗",
  dogs: "狗",
  bird: "鸟",
  horse: "马",
  car: "汽车",
  truck: "卡车",
  airplane: "飞机",
  ship: "船",
  frog: "青蛙",
  deer: "鹿",
  flower: "花",
  person: "人",
  disc: "圆盘",
  square: "正方形",
  triangle: "三角形",
  cross: "十字",
};

/** True when `classNames` are the ImageNet classes in order (short or full synset names). */
export function isImageNetClassList(classNames: readonly string[]): boolean {
  if (classNames.length !== 1000) return false;
  return classNames.every((name, i) => name === IMAGENET_EN[i] || name === IMAGENET_SYNSETS[i]);
}

/**
 * @example
 * ```ts
 * labelsForClasses(["cat", "dog"]); // [{ en: "cat", zh: "猫" }, { en: "dog", zh: "狗" }]
 * ```
 */
export function labelsForClasses(classNames: readonly string[]): ClassLabel[] {
  if (isImageNetClassList(classNames)) return IMAGENET_EN.map((en, i) => ({ en, zh: IMAGENET_ZH[i] }));
  return classNames.map((name) => {
    const key = name.trim().toLowerCase();
    const imagenet = IMAGENET_EN.findIndex((en) => en.toLowerCase() === key);
    return { en: name, zh: COMMON_ZH[key] ?? (imagenet >= 0 ? IMAGENET_ZH[imagenet] : name) };
  });
}
