/**
 * English names of the 1000 ImageNet classes: the WordNet synset names that tfjs-models'
 * mobilenet package ships (`IMAGENET_CLASSES`), e.g. "tabby, tabby cat". `IMAGENET_EN[i]`
 * is the first synonym, the short name shown to people.
 *
 * @module
 */
import { IMAGENET_CLASSES } from "@tensorflow-models/mobilenet/dist/imagenet_classes.js";

/** The full synset name of each class ("tabby, tabby cat"). */
export const IMAGENET_SYNSETS: readonly string[] = Array.from(
  { length: 1000 },
  (_, i) => (IMAGENET_CLASSES as Record<number, string>)[i],
);

/** The first synonym of each class ("tabby"). */
export const IMAGENET_EN: readonly string[] = IMAGENET_SYNSETS.map((name) => name.split(",")[0].trim());
