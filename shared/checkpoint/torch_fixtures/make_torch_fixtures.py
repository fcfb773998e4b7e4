#!/usr/bin/python3
"""Writes PyTorch/torchvision reference fixtures for the .pth importer's parity tests.

Run by hand with Debian's python3-torch and python3-torchvision (not in CI):

    /usr/bin/python3 shared/checkpoint/torch_fixtures/make_torch_fixtures.py            # small, committed
    /usr/bin/python3 shared/checkpoint/torch_fixtures/make_torch_fixtures.py --full --out DIR

The network is torchvision's own ``AlexNet`` class (its forward pass, avgpool and flatten
order), with every layer's width multiplied by ``--width`` so the committed files stay small:
the keys, module indices and tensor layouts are exactly those of ``alexnet-owt-*.pth``.

Writes to ``--out``:
  state_dict_zip.pth     the state_dict, torch.save default (zip) format
  state_dict_legacy.pth  the same, legacy pickle + raw storages format (_use_new_zipfile_serialization=False)
  input.npy              float32 NCHW input batch (already normalised)
  logits.npy             torchvision's logits for it, eval mode
  fc7.npy                the output of classifier[5] (fc7 after ReLU), eval mode
  fixture.json           width, classes, input size, torch/torchvision versions, seed
  views_and_dtypes.pth   (small runs only) views that share one storage and non-float32 dtypes, both formats
"""
import argparse
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torchvision


def width_scaled_alexnet(width: float, num_classes: int) -> nn.Module:
    w = lambda n: max(1, round(n * width))  # noqa: E731 — the same rounding as build_alexnet.ts
    net = torchvision.models.AlexNet(num_classes=num_classes)
    c1, c2, c3, c4, c5, fc = w(64), w(192), w(384), w(256), w(256), w(4096)
    net.features[0] = nn.Conv2d(3, c1, kernel_size=11, stride=4, padding=2)
    net.features[3] = nn.Conv2d(c1, c2, kernel_size=5, padding=2)
    net.features[6] = nn.Conv2d(c2, c3, kernel_size=3, padding=1)
    net.features[8] = nn.Conv2d(c3, c4, kernel_size=3, padding=1)
    net.features[10] = nn.Conv2d(c4, c5, kernel_size=3, padding=1)
    net.classifier[1] = nn.Linear(c5 * 6 * 6, fc)
    net.classifier[4] = nn.Linear(fc, fc)
    net.classifier[6] = nn.Linear(fc, num_classes)
    # Spread the weights a little wider than the default init so activations neither vanish
    # nor saturate through eight layers (any values do for a parity check).
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for p in net.parameters():
            fan_in = p[0].numel() if p.dim() > 1 else 1
            p.copy_(torch.randn(p.shape, generator=gen) * (2.0 / fan_in) ** 0.5 if p.dim() > 1
                    else torch.randn(p.shape, generator=gen) * 0.05)
    return net.eval()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--full", action="store_true", help="width 1, 1000 classes (about 233 MB per file)")
    parser.add_argument("--width", type=float, default=1 / 16)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--formats", default="zip,legacy")
    args = parser.parse_args()
    width, classes = (1.0, 1000) if args.full else (args.width, args.classes)
    torch.manual_seed(7)
    torch.set_num_threads(os.cpu_count() or 1)
    net = width_scaled_alexnet(width, classes)
    os.makedirs(args.out, exist_ok=True)
    state = net.state_dict()
    formats = args.formats.split(",")
    if "zip" in formats:
        torch.save(state, os.path.join(args.out, "state_dict_zip.pth"))
    if "legacy" in formats:
        torch.save(state, os.path.join(args.out, "state_dict_legacy.pth"), _use_new_zipfile_serialization=False)
    if not args.full:
        base = torch.arange(12, dtype=torch.float32).reshape(3, 4)
        views = {
            "transposed": base.t(),  # strides (1, 4) over base's storage
            "row": base[1],  # storage offset 4
            "half": torch.tensor([0.5, -2.0, 65504.0, 1e-7], dtype=torch.float16),
            "double": torch.tensor([1.25, -3.5], dtype=torch.float64),
            "long": torch.tensor([7, -9], dtype=torch.int64),
            "bfloat16": torch.tensor([1.5, -0.375], dtype=torch.bfloat16),
        }
        torch.save(views, os.path.join(args.out, "views_and_dtypes_zip.pth"))
        torch.save(views, os.path.join(args.out, "views_and_dtypes_legacy.pth"), _use_new_zipfile_serialization=False)
    x = torch.randn(args.batch, 3, args.size, args.size, generator=torch.Generator().manual_seed(11))
    taps = {}
    net.classifier[5].register_forward_hook(lambda _m, _i, out: taps.__setitem__("fc7", out))
    with torch.no_grad():
        logits = net(x)
    np.save(os.path.join(args.out, "input.npy"), x.numpy().astype(np.float32))
    np.save(os.path.join(args.out, "logits.npy"), logits.numpy().astype(np.float32))
    np.save(os.path.join(args.out, "fc7.npy"), taps["fc7"].numpy().astype(np.float32))
    with open(os.path.join(args.out, "fixture.json"), "w") as f:
        json.dump({"width": width, "classes": classes, "inputSize": args.size, "batch": args.batch, "seed": 7,
                   "torch": torch.__version__, "torchvision": torchvision.__version__}, f, indent=2)
        f.write("\n")
    print(f"wrote {args.out}: width {width}, {classes} classes, logits {tuple(logits.shape)}, "
          f"max |logit| {logits.abs().max().item():.4g}, max |fc7| {taps['fc7'].abs().max().item():.4g}")


if __name__ == "__main__":
    main()
