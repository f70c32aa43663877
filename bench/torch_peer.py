"""Times PyTorch training steps (Adam) on one workload and prints `steps_per_s <x>` and the
process's peak resident memory `peak_rss_kib <n>`; with --infer, times the eager forward pass of
the model in eval mode under torch.no_grad() instead (`forward_ms <x>`, median).

Usage: torch_peer.py W1 [--steps N] [--threads 2] [--infer]
"""
import argparse
import resource
import statistics
import time

import torch

import workloads


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--infer", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model, x, y, loss_fn = workloads.make(args.workload)
    if args.infer:
        model.eval()
        times = []
        with torch.no_grad():
            for i in range(args.warmup + args.steps):
                t0 = time.perf_counter()
                model(x)
                if i >= args.warmup:
                    times.append((time.perf_counter() - t0) * 1e3)
        print(f"forward_ms {statistics.median(times):.3f}")
        print(f"peak_rss_kib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
        return
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(args.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    dt = time.perf_counter() - t0
    print(f"steps_per_s {args.steps / dt:.4f}")
    print(f"peak_rss_kib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")


if __name__ == "__main__":
    main()
