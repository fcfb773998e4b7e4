"""AlexNet in PyTorch with this project's weights: torchvision's AlexNet-OWT structure or the paper's (LRN as
torch.nn.LocalResponseNorm with alpha times n, since PyTorch divides it by n; the two towers as grouped convolutions;
Caffe's ceil pooling), with the weights' own channel counts (so narrow networks work), and the conversions between the
project's layouts (conv [kh, kw, in, out], dense [in, out] with fc6's inputs in HWC order) and PyTorch's. Shared by
`torch_train_steps.py` (verify:torch --train) and `../paper/torch_train_curves.py` (experiment:transfer --peer torch).
"""
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
# fc6 reads the 6×6 adaptive average pool of conv5's output.
POOLED = 6


def to_torch(name, value, pooled):
    if name.endswith("/kernel") and value.ndim == 4:
        return value.transpose(3, 2, 0, 1)
    if name == "fc6/kernel":
        channels = value.shape[0] // (pooled * pooled)
        return value.reshape(pooled, pooled, channels, -1).transpose(2, 0, 1, 3).reshape(value.shape[0], -1).T
    if name.endswith("/kernel"):
        return value.T
    return value


def mask_to_torch(arch, k, mask):
    """Dropout layer k's multiplier [n, units] in PyTorch's order: AlexNet-OWT drops pool5's flattened units before
    fc6, which this project flattens HWC and PyTorch CHW."""
    if arch != "alexnet-owt" or k != 0:
        return mask
    n, units = mask.shape
    channels = units // (POOLED * POOLED)
    return mask.reshape(n, POOLED, POOLED, channels).transpose(0, 3, 1, 2).reshape(n, units)


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
        self.relu = F.relu  # every ReLU of the network calls this, in order (torch_train_steps.py swaps it)
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

    def forward(self, x, masks=None):
        """`masks`: the two dropout multipliers, applied where the architecture drops; None: PyTorch's own dropout
        (p 0.5) in training mode, none in eval mode."""
        def drop(x, k):
            if masks is not None:
                return x * masks[k]
            return F.dropout(x, 0.5, self.training)
        for name, _, _ in self.layers:
            x = self.relu(self.convs[name](x))
            if name in self.lrn_after:
                x = self.lrn(x)
            if name in POOL_AFTER:
                x = F.max_pool2d(x, 3, 2, ceil_mode=self.ceil)
        x = torch.flatten(F.adaptive_avg_pool2d(x, 6), 1)
        if self.ceil:  # the paper's: dropout after fc6's and fc7's ReLU
            x = drop(self.relu(self.fcs["fc6"](x)), 0)
            x = drop(self.relu(self.fcs["fc7"](x)), 1)
        else:  # torchvision's: dropout before fc6 and fc7
            x = self.relu(self.fcs["fc6"](drop(x, 0)))
            x = self.relu(self.fcs["fc7"](drop(x, 1)))
        return self.fcs["fc8"](x)



def load_network(directory, spec, dtype=torch.float32):
    """The network of spec["arch"] from DIR/w_I.npy (spec["names"] in order), and its parameters by name."""
    ours = {n: np.load(f"{directory}/w_{i}.npy") for i, n in enumerate(spec["names"])}
    converted = {n: np.ascontiguousarray(to_torch(n, v, POOLED)) for n, v in ours.items()}
    net = AlexNetTorch(converted, spec["arch"], spec["lrn"]).to(dtype)
    params = {}
    for name, _, _ in net.layers:
        params[f"{name}/kernel"], params[f"{name}/bias"] = net.convs[name].weight, net.convs[name].bias
    for name in ["fc6", "fc7", "fc8"]:
        params[f"{name}/kernel"], params[f"{name}/bias"] = net.fcs[name].weight, net.fcs[name].bias
    with torch.no_grad():
        for n, p in params.items():
            if tuple(p.shape) != converted[n].shape:
                raise SystemExit(f"{n}: PyTorch wants {tuple(p.shape)}, got {converted[n].shape}")
            p.copy_(torch.from_numpy(converted[n]).to(dtype))
    return net, params


def sgd(params, spec):
    """The project's optimizer: SGD with momentum, weight decay on weights and not biases."""
    weights = [p for n, p in params.items() if n.endswith("/kernel") and p.requires_grad]
    biases = [p for n, p in params.items() if n.endswith("/bias") and p.requires_grad]
    return torch.optim.SGD(
        [{"params": weights, "weight_decay": spec["weightDecay"]}, {"params": biases, "weight_decay": 0.0}],
        lr=spec["learningRate"],
        momentum=spec["momentum"],
    )
