"""PyTorch's side of `deno task experiment:transfer --peer torch`: the same run as `deno task train`, in PyTorch.

Reads DIR/spec.json (architecture, weight names, input and resize size, batch, epochs, learning rate, patience,
momentum, weight decay, augmentation with the training set's colour PCA, normalisation, seed, frozen features),
DIR/w_I.npy (the start: this project's initial or pretrained weights, in its layouts), DIR/train.u8 and DIR/val.u8
(the split's images as the trainer holds them: short side rescaled to the resize size, centre-cropped square, RGB
bytes, [n, R, R, 3]) with DIR/train_labels.npy and DIR/val_labels.npy. Trains with the trainer's recipe: each epoch
shuffled, batches of the given size (the last one short); a random input-sized crop (x and y drawn below R − size,
as the trainer draws them), a coin-flip mirror, PCA colour noise (per image, α ~ N(0, 0.1) per component, shift
Σ α_k √λ_k v_k on the 0–1 scale), ImageNet normalisation; dropout 0.5; SGD with momentum and weight decay on weights
only; validation on centre crops; the learning rate ÷10 after `patience` epochs without a validation loss better by
1e-4. Its own random draws (seeded by spec["seed"]): the recipe is the same, the draws are not.

Prints one JSON line per epoch on stdout ({epoch, trainLoss, trainTop1, valLoss, valTop1, learningRate, seconds})
and progress on stderr.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "weights"))
from torch_alexnet import load_network, sgd  # noqa: E402


def read_images(directory, name, size):
    pixels = np.fromfile(f"{directory}/{name}.u8", dtype=np.uint8).reshape(-1, size, size, 3)
    labels = np.load(f"{directory}/{name}_labels.npy").astype(np.int64)
    return pixels, labels


def to_input(crops, shifts, spec):
    """[n, s, s, 3] uint8 crops and [n, 3] colour shifts → normalised NCHW float32."""
    mean = np.array(spec["normalization"]["mean"], dtype=np.float32)
    std = np.array(spec["normalization"]["std"], dtype=np.float32)
    x = (crops.astype(np.float32) / 255 + shifts[:, None, None, :] - mean) / std
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def augment(images, rng, spec):
    size, aug = spec["inputSize"], spec["augment"]
    n, resize = len(images), images.shape[1]
    crops = np.empty((n, size, size, 3), dtype=np.uint8)
    for i, image in enumerate(images):
        if aug["crop"]:
            x, y = (int(rng.integers(max(1, resize - size))) for _ in range(2))
        else:
            x = y = (resize - size) // 2
        crop = image[y:y + size, x:x + size]
        crops[i] = crop[:, ::-1] if aug["flip"] and rng.random() < 0.5 else crop
    shifts = np.zeros((n, 3), dtype=np.float32)
    pca = spec["pca"]
    if pca is not None:
        alphas = rng.normal(0, 0.1, (n, 3)) * np.sqrt(np.array(pca["eigenvalues"]))
        shifts = (alphas @ np.array(pca["eigenvectors"])).astype(np.float32)
    return to_input(crops, shifts, spec)


def evaluate(net, images, labels, spec):
    size, resize = spec["inputSize"], images.shape[1]
    at = (resize - size) // 2
    net.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(images), spec["batchSize"]):
            crops = images[start:start + spec["batchSize"], at:at + size, at:at + size]
            logits = net(to_input(crops, np.zeros((len(crops), 3), dtype=np.float32), spec))
            y = torch.from_numpy(labels[start:start + spec["batchSize"]])
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
    return loss_sum / len(images), correct / len(images)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    spec = json.load(open(f"{args.dir}/spec.json"))
    torch.manual_seed(spec["seed"])
    rng = np.random.default_rng(spec["seed"])
    train_x, train_y = read_images(args.dir, "train", spec["resizeSize"])
    val_x, val_y = read_images(args.dir, "val", spec["resizeSize"])
    net, params = load_network(args.dir, spec)
    if spec["freezeFeatures"]:
        for name, p in params.items():
            if name.startswith("conv"):
                p.requires_grad_(False)
    optimizer = sgd(params, spec)
    lr, best, stale = spec["learningRate"], float("inf"), 0
    batches = (len(train_x) + spec["batchSize"] - 1) // spec["batchSize"]
    for epoch in range(1, spec["epochs"] + 1):
        started = time.time()
        net.train()
        order = rng.permutation(len(train_x))
        loss_sum, correct, seen = 0.0, 0, 0
        for b in range(batches):
            index = order[b * spec["batchSize"]:(b + 1) * spec["batchSize"]]
            x, y = augment(train_x[index], rng, spec), torch.from_numpy(train_y[index])
            optimizer.zero_grad()
            logits = net(x)
            loss = F.cross_entropy(logits, y)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(index)
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(index)
            rate = seen / (time.time() - started)
            eta = (len(train_x) - seen) / rate
            print(f"\r  PyTorch epoch {epoch}/{spec['epochs']}: {seen}/{len(train_x)} images, {rate:.1f} img/s, "
                  f"ETA {eta:.0f} s", end="", file=sys.stderr, flush=True)
        print("", file=sys.stderr)
        val_loss, val_top1 = evaluate(net, val_x, val_y, spec)
        print(json.dumps({
            "epoch": epoch, "trainLoss": loss_sum / seen, "trainTop1": correct / seen, "valLoss": val_loss,
            "valTop1": val_top1, "learningRate": lr, "seconds": time.time() - started,
        }), flush=True)
        if val_loss < best - 1e-4:
            best, stale = val_loss, 0
        else:
            stale += 1
            if stale >= spec["patience"]:
                lr, stale = lr / 10, 0
                for group in optimizer.param_groups:
                    group["lr"] = lr


if __name__ == "__main__":
    main()
