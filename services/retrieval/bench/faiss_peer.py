"""The FAISS peer of `deno task retrieval:bench`: the same vectors and queries, Debian's
python3-faiss, one thread. Reads base.f32 / queries.f32 (row-major float32) and truth.i32 (the
exact top 10 of each query, row numbers) from a folder; prints one JSON line per index.

Indexes: exact inner product (IndexFlatIP); "ivf", an IVF without reduction (IVF{lists},Flat on
the full vectors) searched at nprobe = lists/16, lists/8 and lists/4; "hnsw", HNSW (M 16,
efConstruction 40 — FAISS's default — or --ef-construction, efSearch 16, 64, 256) on the first --hnsw-n rows (all by
default; on a subset its recall is against the exact top 10 of that subset); and "recipe",
FAISS's own version of alexnet-edge's compact recipe, "PCA256,IVF{lists},SQ8" re-ranked on the
full vectors (IndexRefineFlat), with nprobe = lists / 16. --indexes chooses among them. The IVF's
k-means runs 12 iterations on 16 rows per list (at least 10,000), as alexnet-edge's does; the
recipe's trains on 20,000 rows.

With --float16 the base is base.f16 (read through a memory map, a chunk at a time) and the
exhaustive index keeps it as float16 (IndexScalarQuantizer QT_fp16: exact up to float16's
rounding), for 1M × 4096 vectors whose float32 copy (16 GB) would not fit beside anything else.
"""
import argparse, json, resource, sys, time

import faiss
import numpy as np


def rss_mib():
    # VmHWM is this process's own peak: ru_maxrss starts from the parent's peak at fork on Linux, so under a
    # 20 GB bench it read 20 GB whatever FAISS held.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_searches(index, queries, k, limit=None):
    times, found = [], []
    for q in queries[:limit]:
        t = time.perf_counter()
        _, ids = index.search(q[None, :], k)
        times.append((time.perf_counter() - t) * 1000)
        found.append(ids[0])
    return np.array(times), np.array(found)


def recall(found, truth):
    return float(np.mean([len(set(f[:10]) & set(t[:10])) / 10 for f, t in zip(found, truth)]))


def report(name, n, build_s, times, found, truth, extra=None):
    line = {"peer": "faiss " + faiss.__version__, "index": name, "n": n, "buildS": round(build_s, 3),
            "addPerS": round(n / build_s) if build_s > 0 else None,
            "p50Ms": round(float(np.percentile(times, 50)), 3), "p99Ms": round(float(np.percentile(times, 99)), 3),
            "recallAt10": round(recall(found, truth), 4), "maxRssMiB": round(rss_mib())}
    line.update(extra or {})
    print(json.dumps(line), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("folder")
    p.add_argument("--dim", type=int, required=True)
    p.add_argument("--lists", type=int, required=True)
    p.add_argument("--dims", type=int, default=256)
    p.add_argument("--rerank", type=int, default=100)
    p.add_argument("--hnsw-n", type=int, default=0, help="HNSW on the first N rows (0: all)")
    p.add_argument("--ef-construction", type=int, default=40)
    p.add_argument("--indexes", default="flat,ivf,recipe,hnsw")
    p.add_argument("--float16", action="store_true")
    p.add_argument("--exact-queries", type=int, default=None, help="time the exhaustive index on the first N queries")
    a = p.parse_args()
    indexes = set(a.indexes.split(","))
    faiss.omp_set_num_threads(1)
    if a.float16:
        base = np.memmap(f"{a.folder}/base.f16", dtype=np.float16, mode="r").reshape(-1, a.dim)
    else:
        base = np.fromfile(f"{a.folder}/base.f32", dtype=np.float32).reshape(-1, a.dim)
    queries = np.fromfile(f"{a.folder}/queries.f32", dtype=np.float32).reshape(-1, a.dim)
    truth = np.fromfile(f"{a.folder}/truth.i32", dtype=np.int32).reshape(len(queries), -1)
    n = len(base)

    if "flat" in indexes:
        t = time.perf_counter()
        if a.float16:
            flat = faiss.IndexScalarQuantizer(a.dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
            for start in range(0, n, 65536):
                flat.add(np.ascontiguousarray(base[start:start + 65536], dtype=np.float32))
            name = "flat on float16 (IndexScalarQuantizer fp16, exhaustive)"
        else:
            flat = faiss.IndexFlatIP(a.dim)
            flat.add(base)
            name = "flat (exact)"
        build = time.perf_counter() - t
        times, found = timed_searches(flat, queries, 10, a.exact_queries)
        report(name, n, build, times, found, truth[:len(found)], {"queries": len(found)})
        del flat

    if "ivf" in indexes:
        ivf_flat(a, base, queries, truth, n)
    if "recipe" in indexes:
        recipe(a, base, queries, truth, n)
    if "hnsw" in indexes:
        hnsw_subset(a, base, queries, truth)


def training_rows(base, n, count=20000):
    return np.ascontiguousarray(base[np.random.default_rng(1).choice(n, min(n, count), replace=False)],
                                dtype=np.float32)


def ivf_flat(a, base, queries, truth, n):
    t = time.perf_counter()
    quantizer = faiss.IndexFlatIP(a.dim)
    ivf = faiss.IndexIVFFlat(quantizer, a.dim, a.lists, faiss.METRIC_INNER_PRODUCT)
    ivf.cp.niter = 12  # as alexnet-edge's k-means, on as many rows (16 per list, at least 10,000)
    ivf.train(training_rows(base, n, max(10000, 16 * a.lists)))
    for start in range(0, n, 65536):
        ivf.add(np.ascontiguousarray(base[start:start + 65536], dtype=np.float32))
    build = time.perf_counter() - t
    for divisor in (16, 8, 4):
        ivf.nprobe = max(1, round(a.lists / divisor))
        times, found = timed_searches(ivf, queries, 10)
        report(f"IVF{a.lists},Flat nprobe {ivf.nprobe}", n, build, times, found, truth)
    del ivf, quantizer


def recipe(a, base, queries, truth, n):
    t = time.perf_counter()
    compact = faiss.index_factory(a.dim, f"PCA{a.dims},IVF{a.lists},SQ8", faiss.METRIC_INNER_PRODUCT)
    compact.train(training_rows(base, n))
    refined = faiss.IndexRefineFlat(compact)
    refined.k_factor = a.rerank / 10
    refined.add(base)
    build = time.perf_counter() - t
    faiss.extract_index_ivf(compact).nprobe = max(1, round(a.lists / 16))
    times, found = timed_searches(refined, queries, 10)
    report(f"PCA{a.dims},IVF{a.lists},SQ8 + refine on full", n, build, times, found, truth)
    del refined, compact


def hnsw_subset(a, base, queries, truth):
    m = len(base) if a.hnsw_n <= 0 else min(len(base), a.hnsw_n)
    if m < len(base):
        exact = faiss.IndexFlatIP(a.dim)
        exact.add(np.ascontiguousarray(base[:m], dtype=np.float32))
        _, truth = exact.search(queries, 10)
        del exact
    t = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(a.dim, 16, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = a.ef_construction
    for start in range(0, m, 65536):
        hnsw.add(np.ascontiguousarray(base[start:min(m, start + 65536)], dtype=np.float32))
    build = time.perf_counter() - t
    for ef in (16, 64, 256):
        hnsw.hnsw.efSearch = ef
        times, found = timed_searches(hnsw, queries, 10)
        report(f"HNSW M16 efC{a.ef_construction} efS{ef}", m, build, times, found, truth)


if __name__ == "__main__":
    sys.exit(main())
