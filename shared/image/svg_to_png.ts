/**
 * Rasterises an SVG (our training charts) to PNG with resvg (Rust, compiled to WebAssembly:
 * no native install, same pixels on every machine). Text uses DejaVu Sans from the
 * `dejavu-fonts-ttf` package, so the result does not depend on the system's fonts.
 *
 * @module
 */
import { initWasm, Resvg } from "@resvg/resvg-wasm";

let ready: Promise<Uint8Array[]> | undefined;

function init(): Promise<Uint8Array[]> {
  ready ??= (async () => {
    await initWasm(await Deno.readFile(new URL(import.meta.resolve("@resvg/resvg-wasm/index_bg.wasm"))));
    return await Promise.all(
      ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((name) =>
        Deno.readFile(new URL(import.meta.resolve(`dejavu-fonts-ttf/ttf/${name}`)))
      ),
    );
  })();
  return ready;
}

/**
 * @example
 * ```ts
 * await Deno.writeFile("transfer.png", await svgToPng(svg));
 * ```
 */
export async function svgToPng(svg: string, options: { scale?: number } = {}): Promise<Uint8Array> {
  const fontBuffers = await init();
  const resvg = new Resvg(svg, {
    fitTo: { mode: "zoom", value: options.scale ?? 2 },
    background: "white",
    font: { fontBuffers, loadSystemFonts: false, defaultFontFamily: "DejaVu Sans", sansSerifFamily: "DejaVu Sans" },
  });
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}
