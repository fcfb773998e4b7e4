/**
 * Class names as people read them: ImageNet's WordNet English names and the team's Chinese
 * table of all 1000 classes, and display labels (English + Chinese) for any checkpoint's classes.
 *
 * @example
 * ```ts
 * import { labelsForClasses } from "../../shared/labels/mod.ts";
 * labelsForClasses(["cat", "dog"]); // [{ en: "cat", zh: "猫" }, { en: "dog", zh: "狗" }]
 * ```
 *
 * @module
 */
export { type ClassLabel, isImageNetClassList, labelsForClasses } from "./class_labels.ts";
export { IMAGENET_EN, IMAGENET_SYNSETS } from "./imagenet_en.ts";
export { IMAGENET_ZH } from "./imagenet_zh.ts";
