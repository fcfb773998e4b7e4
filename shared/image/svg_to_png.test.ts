import assert from "node:assert/strict";
import { decode } from "fast-png";
import { svgToPng } from "./svg_to_png.ts";

Deno.test("an SVG becomes a PNG of the scaled size with its shapes and text drawn", async () => {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="100" height="40" font-family="sans-serif">
    <rect x="0" y="0" width="50" height="40" fill="#ff0000"/>
    <text x="60" y="28" font-size="20">Ab</text></svg>`;
  const png = decode(await svgToPng(svg, { scale: 2 }));
  assert.deepEqual([png.width, png.height], [200, 80]);
  const pixel = (x: number, y: number) =>
    Array.from(png.data.slice((y * 200 + x) * png.channels, (y * 200 + x) * png.channels + 3));
  assert.deepEqual(pixel(10, 10), [255, 0, 0], "the red rectangle");
  assert.deepEqual(pixel(190, 5), [255, 255, 255], "white background");
  let dark = 0;
  for (let y = 0; y < 80; y++) for (let x = 110; x < 200; x++) if (pixel(x, y)[0] < 100) dark++;
  assert.ok(dark > 100, `the text "Ab" left ${dark} dark pixels (none means no font was found)`);
});
