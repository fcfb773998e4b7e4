"""Writes the image variants `deno task fuzz` sends, made by Pillow (an encoder independent of ours).

Usage: python3 make_variants.py OUT_DIR PHOTO...

For each photo: greyscale, palette, RGBA and 16-bit PNG; CMYK, progressive and greyscale
JPEG; 1x1 and 4000x8 / 8x4000 PNG and JPEG; and the formats the services do not read (GIF,
WebP, BMP, TIFF). Prints one JSON line per file: {"path", "kind", "format", "width", "height"}.
"""
import json
import os
import sys

from PIL import Image


def main() -> None:
    out, photos = sys.argv[1], sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    for n, photo in enumerate(photos):
        rgb = Image.open(photo).convert("RGB")

        def save(image, kind, fmt, ext, **options):
            path = os.path.join(out, f"{n}-{kind}.{ext}")
            image.save(path, fmt, **options)
            print(json.dumps({"path": path, "kind": kind, "format": fmt.lower(), "width": image.width,
                              "height": image.height}))

        save(rgb.convert("L"), "png-grey", "PNG", "png")
        save(rgb.convert("LA"), "png-grey-alpha", "PNG", "png")
        save(rgb.convert("P", palette=Image.ADAPTIVE, colors=64), "png-palette", "PNG", "png")
        rgba = rgb.copy()
        rgba.putalpha(Image.linear_gradient("L").resize(rgb.size))
        save(rgba, "png-alpha", "PNG", "png")
        save(rgb.convert("L").point(lambda v: v * 257, "I").convert("I;16"), "png-16bit", "PNG", "png")
        save(rgb.convert("CMYK"), "jpeg-cmyk", "JPEG", "jpg", quality=90)
        save(rgb, "jpeg-progressive", "JPEG", "jpg", quality=85, progressive=True)
        save(rgb.convert("L"), "jpeg-grey", "JPEG", "jpg", quality=85)
        for w, h in [(1, 1), (4000, 8), (8, 4000)]:
            small = rgb.resize((w, h))
            save(small, f"png-{w}x{h}", "PNG", "png")
            save(small, f"jpeg-{w}x{h}", "JPEG", "jpg", quality=85)
        save(rgb.convert("P", palette=Image.ADAPTIVE), "gif", "GIF", "gif")
        save(rgb, "webp", "WEBP", "webp", quality=80)
        save(rgb, "bmp", "BMP", "bmp")
        save(rgb, "tiff", "TIFF", "tif")


if __name__ == "__main__":
    main()
