#!/usr/bin/env bash
# Every GPU measurement of issue #13 in one run, sized for a lent GPU machine (15 minutes of device time in all,
# 10 a command): the bench's WebGPU section (inference at 1/32/256, tight-loop step, shader-f16 step and trainer
# epoch at 32/128/256, the slowest kernels of a step, the f16 accuracy check, logits against WASM) with the CUDA
# PyTorch peer, then each kernel this project registers against TF.js's own at batch 128 and a whole training step.
# Writes gpu.txt, bench.json/.log and kernels.json/.log under $OUT (the device tool's folder) or runs/bench/gpu-TIME.
#
#   here, once per change of dependencies:  ../shared/tools/gpu/pack bash tests/bench/gpu_measure.sh --small
#   on the GPU machine:                      bash .gpu/on-device bash tests/bench/gpu_measure.sh
#
# --small runs the same two commands at a size a software adapter (lavapipe) finishes in a few minutes: to trace
# them for pack, or to check this script without a GPU.
set -uo pipefail
cd "$(dirname "$0")/../.."
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
out=${OUT:-runs/bench/gpu-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$out"

if [ "${1:-}" = "--small" ]; then
  bench=(--backends webgpu --quick --gpu-width 0.25 --gpu-input-size 128 --gpu-batches 8 --gpu-infer-batches 1,8)
  kernels=(--batch 1 --repeats 1 --only MaxPoolGrad --no-step)
  limits=(300 120)
else
  bench=(--backends webgpu --repeats 2)
  kernels=(--batch 128 --fc-width 1 --step-width 1 --step-input-size 224 --step-batch 128 --repeats 3)
  limits=(330 200)
fi

{
  date -u +%Y-%m-%dT%H:%M:%SZ
  echo "commit $(git rev-parse HEAD 2>/dev/null || echo unknown), $(deno --version | head -n 1)"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
} >"$out/gpu.txt" 2>&1
cat "$out/gpu.txt"

# The CUDA peer needs a Python that imports torch: $PYTHON, else the first python3 that does.
if [ -z "${PYTHON:-}" ]; then
  for candidate in "$(command -v python3)" /usr/bin/python3 /usr/local/bin/python3 /opt/conda/bin/python3; do
    if [ -x "$candidate" ] && "$candidate" -c "import torch, torchvision" 2>/dev/null; then
      export PYTHON=$candidate
      break
    fi
  done
fi
echo "python for the PyTorch peer: ${PYTHON:-none with torch and torchvision}" | tee -a "$out/gpu.txt"

status=0
echo "== deno task bench ${bench[*]} (at most ${limits[0]} s)"
timeout -k 10 "${limits[0]}" deno task bench "${bench[@]}" --out "$out/bench.json" 2>&1 | tee "$out/bench.log" ||
  status=1
echo "== deno task bench:kernels ${kernels[*]} (at most ${limits[1]} s)"
timeout -k 10 "${limits[1]}" deno task bench:kernels "${kernels[@]}" --out "$out/kernels.json" 2>&1 |
  tee "$out/kernels.log" || status=1
echo "results in $out"
exit "$status"
