#!/usr/bin/python3
"""PyTorch peer for `deno task bench`: the same networks, batch sizes and measurements.

On the CPU (default) it prints one JSON object: images/s for inference at batch 1 and 32 and
for an SGD-momentum training step at batch 32, for AlexNet-OWT at 224 (torchvision's own
model) and the paper's AlexNet at 227 (LRN, two-tower grouping, ceil pooling, built here),
plus peak RSS. With `--edge`, batch-1 latency percentiles of torchvision's AlexNet on `--threads`
threads and the process's peak RSS (VmHWM), for the edge section. With `--device cuda` it measures torchvision's AlexNet on the GPU at the
WebGPU section's batch sizes (fp32), synchronising before each clock read.
Run by the benchmark with Debian's python3-torch; usable alone:
    /usr/bin/python3 tests/bench/bench_torch_peer.py --threads 2 --repeats 3
    python3 tests/bench/bench_torch_peer.py --device cuda --train-batches 32,128,256 --infer-batches 1,32,256
"""
import argparse
import json
import os
import resource
import statistics
import time

import torch
import torch.nn as nn
import torchvision


def paper_alexnet(num_classes: int = 1000) -> nn.Module:
    pool = lambda: nn.MaxPool2d(3, 2, ceil_mode=True)  # noqa: E731 — Caffe rounds pooling up
    lrn = lambda: nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=2.0)  # noqa: E731 — §3.3
    return nn.Sequential(
        nn.Conv2d(3, 96, 11, 4), nn.ReLU(inplace=True), lrn(), pool(),
        nn.Conv2d(96, 256, 5, padding=2, groups=2), nn.ReLU(inplace=True), lrn(), pool(),
        nn.Conv2d(256, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 384, 3, padding=1, groups=2), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1, groups=2), nn.ReLU(inplace=True), pool(),
        nn.AdaptiveAvgPool2d(6), nn.Flatten(),
        nn.Dropout(), nn.Linear(256 * 36, 4096), nn.ReLU(inplace=True),
        nn.Dropout(), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
        nn.Linear(4096, num_classes),
    )


def median_seconds(fn, warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(name: str, net: nn.Module, size: int, repeats: int) -> dict:
    x1, x32 = torch.randn(1, 3, size, size), torch.randn(32, 3, size, size)
    y32 = torch.randint(0, 1000, (32,))
    net.eval()
    with torch.no_grad():
        b1 = median_seconds(lambda: net(x1), 3, repeats * 3)
        b32 = median_seconds(lambda: net(x32), 1, repeats)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn(net(x32), y32).backward()
        opt.step()

    train = median_seconds(step, 1, repeats)
    return {"network": name, "inputSize": size, "inferB1": 1 / b1, "inferB32": 32 / b32, "trainB32": 32 / train}


def measure_cuda(args) -> None:
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device for PyTorch on this machine")
    device = torch.device("cuda")
    net = torchvision.models.alexnet().to(device)
    size = args.input_size

    def timed(fn, warmup: int) -> float:
        def run():
            fn()
            torch.cuda.synchronize()
        return median_seconds(run, warmup, args.repeats)

    batches = {}
    net.eval()
    with torch.no_grad():
        for b in [int(x) for x in args.infer_batches.split(",")]:
            x = torch.randn(b, 3, size, size, device=device)
            batches.setdefault(b, {"batch": b, "inferImagesPerSec": None, "trainImagesPerSec": None})
            batches[b]["inferImagesPerSec"] = b / timed(lambda: net(x), 3)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    for b in [int(x) for x in args.train_batches.split(",")]:
        x = torch.randn(b, 3, size, size, device=device)
        y = torch.randint(0, 1000, (b,), device=device)

        def step():
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x), y).backward()
            opt.step()

        batches.setdefault(b, {"batch": b, "inferImagesPerSec": None, "trainImagesPerSec": None})
        batches[b]["trainImagesPerSec"] = b / timed(step, 3)
    print(json.dumps({
        "engine": f"pytorch {torch.__version__} cuda fp32",
        "device": torch.cuda.get_device_name(0),
        "batches": sorted(batches.values(), key=lambda r: r["batch"]),
    }))


def measure_edge(args) -> None:
    """Batch-1 latency of torchvision's AlexNet (1000 classes) on one thread, and this process's peak RSS."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = torchvision.models.alexnet().eval()
    x = torch.randn(1, 3, 224, 224)
    times = []
    with torch.no_grad():
        for i in range(10 + args.latency_requests):
            t = time.perf_counter()
            net(x)
            if i >= 10:
                times.append((time.perf_counter() - t) * 1000)
    times.sort()
    with open("/proc/self/status") as status:
        hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({
        "engine": f"pytorch {torch.__version__} cpu",
        "threads": torch.get_num_threads(),
        "p50Ms": times[len(times) // 2],
        "p99Ms": times[min(len(times) - 1, int(len(times) * 0.99))],
        "peakRssMiB": hwm / 1024,
    }))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--networks", default="alexnet-owt,alexnet")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--input-size", type=int, default=224)
    parser.add_argument("--train-batches", default="32,128,256")
    parser.add_argument("--infer-batches", default="1,32,256")
    parser.add_argument("--edge", action="store_true", help="batch-1 latency and peak RSS only (the edge section)")
    parser.add_argument("--latency-requests", type=int, default=60)
    args = parser.parse_args()
    if args.edge:
        measure_edge(args)
        return
    if args.device == "cuda":
        measure_cuda(args)
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    results = []
    for name in args.networks.split(","):
        net = torchvision.models.alexnet() if name == "alexnet-owt" else paper_alexnet()
        results.append(measure(name, net, 224 if name == "alexnet-owt" else 227, args.repeats))
    print(json.dumps({
        "engine": f"pytorch {torch.__version__} cpu",
        "threads": torch.get_num_threads(),
        "results": results,
        "peakRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
