import assert from "node:assert/strict";
import { isImageNetClassList, labelsForClasses } from "./class_labels.ts";
import { IMAGENET_EN, IMAGENET_SYNSETS } from "./imagenet_en.ts";
import { IMAGENET_ZH } from "./imagenet_zh.ts";

Deno.test("the English and Chinese ImageNet tables are complete: 1000 distinct, non-blank names each", () => {
  for (const table of [IMAGENET_EN, IMAGENET_ZH]) {
    assert.equal(table.length, 1000);
    assert.ok(table.every((name) => typeof name === "string" && name.trim().length > 0));
  }
  assert.equal(new Set(IMAGENET_ZH).size, 1000, "every Chinese name is distinct");
  assert.ok(IMAGENET_ZH.every((name) => /[\u4e00-\u9fff]/.test(name) || /^[A-Za-z]+$/.test(name)));
});

Deno.test("known ImageNet classes carry the right labels in both languages", () => {
  const labels = labelsForClasses(IMAGENET_EN);
  assert.deepEqual(labels[0], { en: "tench", zh: "丁鲷" });
  assert.deepEqual(labels[281], { en: "tabby", zh: "虎斑猫" });
  assert.deepEqual(labels[207], { en: "golden retriever", zh: "金毛寻回犬" });
  assert.deepEqual(labels[388], { en: "giant panda", zh: "大熊猫" });
  assert.deepEqual(labels[999], { en: "toilet tissue", zh: "卫生纸" });
  assert.ok(isImageNetClassList(IMAGENET_SYNSETS));
  assert.ok(!isImageNetClassList(IMAGENET_EN.slice(0, 999)));
});

Deno.test("custom checkpoints use their own class names, with Chinese for common ones", () => {
  assert.deepEqual(labelsForClasses(["cat", "dog"]), [{ en: "cat", zh: "猫" }, { en: "dog", zh: "狗" }]);
  assert.deepEqual(labelsForClasses(["goldfish", "widget"]), [{ en: "goldfish", zh: "金鱼" }, {
    en: "widget",
    zh: "widget",
  }]);
});
