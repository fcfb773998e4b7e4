"""PyTorch's side of `deno task verify:torch --train`: K steps of SGD on AlexNet (OWT or the paper's) from given weights.

Reads DIR/spec.json (weight names, steps, learning rate, momentum, weight decay), DIR/w_I.npy (the weights in
this project's TF.js layouts: conv [kh, kw, in, out], dense [in, out] with fc6's inputs in HWC order) and
DIR/x_S.npy / DIR/y_S.npy (batch S: NHWC float32 images, float32 class indices) and, where spec.json says
"dropout": true, DIR/m_S_K.npy (the multiplier, 0 or 2, of dropout layer K at step S: this project's masks, so
both sides drop the same units). Builds the network (`torch_alexnet.py`) and runs torch.optim.SGD (momentum,
weight decay on weights and not biases, as the project's optimizer does) on F.cross_entropy. Writes DIR/torch_losses.npy and, after step 1 and after the last step, DIR/torch_after_T_I.npy
in the project's layouts. `--double` runs the same in float64: the reference both float32 runs are measured
against (files still written as float32); with `--flip-kinks F` as well, each step first measures how far float32
puts each ReLU's inputs from float64's (a float32 copy of the network on the same batch), and every unit within F
times that of 0 — where float32's rounding can put it on either side of the kink — passes the gradient it would
block and blocks the one it would pass (`KinkFlippedReLU`): how far those units alone can move the weights.
"""
import argparse
import copy
import json

import numpy as np
import torch
import torch.nn.functional as F

from torch_alexnet import POOLED, from_torch, load_network, mask_to_torch, sgd


class KinkFlippedReLU(torch.autograd.Function):
    """ReLU whose gradient is flipped at units whose input lies within `tolerance` of 0."""

    @staticmethod
    def forward(ctx, z, tolerance):
        ctx.save_for_backward((z > 0) ^ (z.abs() < tolerance))
        return z.clamp(min=0)

    @staticmethod
    def backward(ctx, g):
        (passes,) = ctx.saved_tensors
        return g * passes, None


def pre_activations(net, x, masks):
    """Every ReLU's input, in order, of one forward pass."""
    captured, relu = [], net.relu
    net.relu = lambda z: (captured.append(z.detach().double()), relu(z))[1]
    try:
        with torch.no_grad():
            net(x, masks)
    finally:
        net.relu = relu
    return captured


def flip_near_kinks(net, x, masks, factor):
    """Makes the next forward pass of float64 `net` use KinkFlippedReLU, each ReLU with `factor` × float32's error
    on its inputs (measured on a float32 copy) as the tolerance."""
    exact = pre_activations(net, x, masks)
    single = copy.deepcopy(net).float()
    rounded = pre_activations(single, x.float(), None if masks is None else [m.float() for m in masks])
    tolerances = iter([factor * (a - b).abs().max().item() for a, b in zip(rounded, exact)])
    net.relu = lambda z: KinkFlippedReLU.apply(z, next(tolerances))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--double", action="store_true")
    parser.add_argument("--flip-kinks", type=float, default=0.0)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    spec = json.load(open(f"{args.dir}/spec.json"))
    names = spec["names"]
    dtype = torch.float64 if args.double else torch.float32
    net, params = load_network(args.dir, spec, dtype)
    if not spec.get("dropout"):
        net.eval()  # no dropout (no batch norm either: eval mode changes nothing else)
    optimizer = sgd(params, spec)
    losses = []
    for step in range(spec["steps"]):
        x = torch.from_numpy(np.load(f"{args.dir}/x_{step}.npy")).permute(0, 3, 1, 2).contiguous().to(dtype)
        y = torch.from_numpy(np.load(f"{args.dir}/y_{step}.npy")).long()
        masks = None
        if spec.get("dropout"):
            masks = [
                torch.from_numpy(np.ascontiguousarray(mask_to_torch(spec["arch"], k, np.load(f"{args.dir}/m_{step}_{k}.npy"))))
                .to(dtype) for k in range(2)
            ]
        optimizer.zero_grad()
        if args.flip_kinks > 0:
            flip_near_kinks(net, x, masks, args.flip_kinks)
        loss = F.cross_entropy(net(x, masks), y)
        net.relu = F.relu
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step == 0 or step == spec["steps"] - 1:
            for i, n in enumerate(names):
                value = params[n].detach().float().numpy()
                np.save(f"{args.dir}/torch_after_{step + 1}_{i}.npy", np.ascontiguousarray(from_torch(n, value, POOLED)))
    np.save(f"{args.dir}/torch_losses.npy", np.array(losses, dtype=np.float32))
    print(json.dumps({"losses": losses}))


if __name__ == "__main__":
    main()
