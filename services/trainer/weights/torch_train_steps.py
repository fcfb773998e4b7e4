"""PyTorch's side of `deno task verify:torch --train`: K steps of SGD on AlexNet (OWT or the paper's) from given weights.

Reads DIR/spec.json (weight names, steps, learning rate, momentum, weight decay), DIR/w_I.npy (the weights in
this project's TF.js layouts: conv [kh, kw, in, out], dense [in, out] with fc6's inputs in HWC order) and
DIR/x_S.npy / DIR/y_S.npy (batch S: NHWC float32 images, float32 class indices). Builds torchvision's AlexNet-OWT
structure, or the paper's (LRN as torch.nn.LocalResponseNorm with alpha times n, since PyTorch divides it by n; the
two towers as grouped convolutions; Caffe's ceil pooling), with the weights' own channel counts (so narrow networks
work), without dropout, and runs
torch.optim.SGD (momentum, weight decay on weights and not biases, as the project's optimizer does) on
F.cross_entropy. Writes DIR/torch_losses.npy and, after step 1 and after the last step, DIR/torch_after_T_I.npy
in the project's layouts.
"""
import argparse
import json

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

ARCHS = {
    # name: [(layer, stride, padding)], layers followed by LRN, layers followed by pooling, ceil pooling
    "alexnet-owt": ([("conv1", 4, 2), ("conv2", 1, 2), ("conv3", 1, 1), ("conv4", 1, 1), ("conv5", 1, 1)], set(), False),
    "alexnet": ([("conv1", 4, 0), ("conv2", 1, 2), ("conv3", 1, 1), ("conv4", 1, 1), ("conv5", 1, 1)], {"conv1", "conv2"}, True),
}
POOL_AFTER = {"conv1", "conv2", "conv5"}


def to_torch(name, value, pooled):
    if name.endswith("/kernel") and value.ndim == 4:
        return value.transpose(3, 2, 0, 1)
    if name == "fc6/kernel":
        channels = value.shape[0] // (pooled * pooled)
        return value.reshape(pooled, pooled, channels, -1).transpose(2, 0, 1, 3).reshape(value.shape[0], -1).T
    if name.endswith("/kernel"):
        return value.T
    return value


def from_torch(name, value, pooled):
    if name.endswith("/kernel") and value.ndim == 4:
        return value.transpose(2, 3, 1, 0)
    if name == "fc6/kernel":
        out, inputs = value.shape
        channels = inputs // (pooled * pooled)
        return value.T.reshape(channels, pooled, pooled, out).transpose(1, 2, 0, 3).reshape(inputs, out)
    if name.endswith("/kernel"):
        return value.T
    return value


class AlexNetTorch(nn.Module):
    def __init__(self, weights, arch, lrn):
        super().__init__()
        self.layers, self.lrn_after, self.ceil = ARCHS[arch]
        self.convs = nn.ModuleDict()
        channels = 3
        for name, stride, pad in self.layers:
            k = weights[f"{name}/kernel"]  # [out, in/groups, kh, kw]
            groups = channels // k.shape[1]
            self.convs[name] = nn.Conv2d(channels, k.shape[0], k.shape[2], stride, pad, groups=groups)
            channels = k.shape[0]
        self.lrn = nn.LocalResponseNorm(lrn["size"], alpha=lrn["alpha"] * lrn["size"], beta=lrn["beta"], k=lrn["k"])
        self.fcs = nn.ModuleDict()
        for name in ["fc6", "fc7", "fc8"]:
            k = weights[f"{name}/kernel"]
            self.fcs[name] = nn.Linear(k.shape[1], k.shape[0])

    def forward(self, x):
        for name, _, _ in self.layers:
            x = F.relu(self.convs[name](x))
            if name in self.lrn_after:
                x = self.lrn(x)
            if name in POOL_AFTER:
                x = F.max_pool2d(x, 3, 2, ceil_mode=self.ceil)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 6), 1)
        x = F.relu(self.fcs["fc6"](x))
        x = F.relu(self.fcs["fc7"](x))
        return self.fcs["fc8"](x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    spec = json.load(open(f"{args.dir}/spec.json"))
    names = spec["names"]
    pooled = 6
    ours = {n: np.load(f"{args.dir}/w_{i}.npy") for i, n in enumerate(names)}
    converted = {n: np.ascontiguousarray(to_torch(n, v, pooled)) for n, v in ours.items()}
    net = AlexNetTorch(converted, spec["arch"], spec["lrn"])
    params = {}
    for name, _, _ in net.layers:
        params[f"{name}/kernel"], params[f"{name}/bias"] = net.convs[name].weight, net.convs[name].bias
    for name in ["fc6", "fc7", "fc8"]:
        params[f"{name}/kernel"], params[f"{name}/bias"] = net.fcs[name].weight, net.fcs[name].bias
    with torch.no_grad():
        for n, p in params.items():
            if tuple(p.shape) != converted[n].shape:
                raise SystemExit(f"{n}: PyTorch wants {tuple(p.shape)}, got {converted[n].shape}")
            p.copy_(torch.from_numpy(converted[n]))
    weights = [p for n, p in params.items() if n.endswith("/kernel")]
    biases = [p for n, p in params.items() if n.endswith("/bias")]
    optimizer = torch.optim.SGD(
        [{"params": weights, "weight_decay": spec["weightDecay"]}, {"params": biases, "weight_decay": 0.0}],
        lr=spec["learningRate"],
        momentum=spec["momentum"],
    )
    losses = []
    for step in range(spec["steps"]):
        x = torch.from_numpy(np.load(f"{args.dir}/x_{step}.npy")).permute(0, 3, 1, 2).contiguous()
        y = torch.from_numpy(np.load(f"{args.dir}/y_{step}.npy")).long()
        optimizer.zero_grad()
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if step == 0 or step == spec["steps"] - 1:
            for i, n in enumerate(names):
                value = params[n].detach().numpy()
                np.save(f"{args.dir}/torch_after_{step + 1}_{i}.npy", np.ascontiguousarray(from_torch(n, value, pooled)))
    np.save(f"{args.dir}/torch_losses.npy", np.array(losses, dtype=np.float32))
    print(json.dumps({"losses": losses}))


if __name__ == "__main__":
    main()
