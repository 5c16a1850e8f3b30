#!/usr/bin/python3
"""Fits the cost model's per-arch calibration to the published measurements.

    scripts/fit_cost_model.py [tests/report/data/published_perf.json]

Prints the ArchCalibration initialisers of src/report/calibration.cpp. The model forms are the
ones src/report/cost_model*.cpp evaluates (docs/perf-model.md):

  collective: t = F + P * steps + traffic / (links * line_rate * efficiency)
              steps = n-1 (line) or n/2 (ring); traffic = bytes through the busiest link in
              one direction; efficiency per class: a line of 2, a longer line, a ring
  matmul:     t = F + max(FLOPs / (peak * efficiency), bytes / dram_bandwidth)

Collectives: weighted least squares on relative error over every published size. Matmuls: a
grid search minimising the worst relative error, leaving out the points marked known_miss.
"""
import json
import sys

import numpy as np

ARCH = {
    # line rate per link per direction (GB/s), links the reports ran on, chip figures of
    # include/meshrt/mesh/cluster.hpp (cores, clock GHz, DRAM GB/s)
    "wormhole_b0": dict(rate=12.5, links=1, cores=64, ghz=1.0, dram=265.0),
    "blackhole": dict(rate=25.0, links=2, cores=130, ghz=1.35, dram=402.5),
}
OPS = ("all_gather", "reduce_scatter", "all_reduce", "all_to_all")


def input_bytes(p):
    # the reports give the all_gather output size; every other op's size is its input
    return p["size_bytes"] / p["devices"] if p["op"] == "all_gather" else p["size_bytes"]


def traffic(op, n, ring, s):
    if op == "all_gather":
        t = (n - 1) * s
    elif op == "reduce_scatter":
        t = (n - 1) / n * s
    elif op == "all_reduce":
        t = 2 * (n - 1) / n * s
    else:
        t = (n // 2) * ((n + 1) // 2) / n * s
    return t / 2 if ring else t


def fit_collective(points, a):
    rows, y = [], []
    for p in points:
        n, ring = p["devices"], p["topology"] == "ring"
        row = [1.0, 0.0 if ring else n - 1.0, n / 2.0 if ring else 0.0, 0.0, 0.0, 0.0]
        cls = 2 if ring else (0 if n == 2 else 1)
        row[3 + cls] = traffic(p["op"], n, ring, input_bytes(p)) / (a["links"] * a["rate"] * 1e3)
        rows.append(row)
        y.append(p["time_us"])
    m, y = np.array(rows), np.array(y)
    w = 1 / y
    sol, *_ = np.linalg.lstsq(m * w[:, None], y * w, rcond=None)
    err = np.abs(m @ sol / y - 1)
    return sol, err.max(), np.median(err)


def fit_matmul(points, a):
    peak = a["cores"] * 2048 * a["ghz"] * 1e9
    meas, flops, bts = [], [], []
    for p in points:
        m, k, n = p["m"], p["k"], p["n"]
        ideal_us = m * k * n / 32768 * 32 / a["cores"] / (a["ghz"] * 1e3)
        meas.append(ideal_us / (p["device_utilization_pct"] / 100))
        flops.append(2.0 * m * k * n)
        bts.append(2.0 * (m * k + k * n + m * n))
    meas, flops, bts = map(np.array, (meas, flops, bts))
    best = None
    for f in np.arange(0, 15.001, 0.25):
        for eff in np.arange(0.40, 1.0, 0.01):
            pred = f + np.maximum(flops / (peak * eff) * 1e6, bts / (a["dram"] * 1e3))
            worst = np.abs(pred / meas - 1).max()
            if best is None or worst < best[0]:
                best = (worst, f, eff)
    return best


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "tests/report/data/published_perf.json"
    data = json.load(open(path))
    for arch, a in ARCH.items():
        print(f"// {arch}")
        for op in OPS:
            pts = [p for p in data["ccl"] if p["arch"] == arch and p["op"] == op]
            s, worst, median = fit_collective(pts, a)
            eff = 1 / s[3:]
            print(f"  .{op} = {{{s[0] * 1e3:.0f}, {s[1] * 1e3:.0f}, {s[2] * 1e3:.0f}, "
                  f"{eff[0]:.3f}, {eff[1]:.3f}, {eff[2]:.3f}}},"
                  f"  // worst {worst * 100:.0f}%, median {median * 100:.1f}% over {len(pts)}")
        mm = [p for p in data["matmul"] if p["arch"] == arch and not p.get("known_miss")]
        worst, f, eff = fit_matmul(mm, a)
        print(f"  .matmul_fixed_ns = {f * 1e3:.0f}, .matmul_efficiency = {eff:.2f},"
              f"  // worst {worst * 100:.0f}% over {len(mm)}")


if __name__ == "__main__":
    main()
