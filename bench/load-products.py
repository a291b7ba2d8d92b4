#!/usr/bin/env python3
"""Loads many products into the catalog through its public API, as an admin, with threads (stdlib only).

    bench/load-products.py --base http://127.0.0.1:18280 --token <admin JWT> [--count 20000] [--categories 10]

Products are spread round-robin over categories named bench-0 .. bench-<n-1>; prices and stock vary. Prints the
rate and exits non-zero if any POST failed.
"""
import argparse
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

WORDS = ["Red", "Blue", "Large", "Small", "Organic", "Classic", "Smart", "Portable", "Premium", "Basic",
         "Apple", "Lamp", "Chair", "Kettle", "Cable", "Book", "Mug", "Pen", "Towel", "Speaker"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="store base URL, e.g. http://127.0.0.1:18280")
    parser.add_argument("--token", required=True, help="an admin JWT (without 'Bearer ')")
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--categories", type=int, default=10)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--prefix", default="bench", help="category name prefix")
    args = parser.parse_args()

    url = args.base.rstrip("/") + "/api/products/"
    headers = {"Authorization": "Bearer " + args.token, "Content-Type": "application/json"}
    failures = []
    done = [0]
    lock = threading.Lock()

    def create(i):
        rng = random.Random(i)
        body = {
            "name": f"{rng.choice(WORDS)} {rng.choice(WORDS)} {i:05d}",
            "category": f"{args.prefix}-{i % args.categories}",
            "price": round(rng.uniform(0.5, 500.0), 2),
            "stock_count": rng.randint(0, 1000),
            "description": f"Bench product {i}",
            "manufacturer": rng.choice(WORDS) + " Inc",
        }
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
        for attempt in range(3):
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    if response.status != 201:
                        raise RuntimeError(f"status {response.status}")
                break
            except (urllib.error.URLError, RuntimeError, TimeoutError, ConnectionError) as e:
                if attempt == 2:
                    with lock:
                        failures.append(f"#{i}: {e}")
                    return
                time.sleep(0.5 * (attempt + 1))
        with lock:
            done[0] += 1
            if done[0] % 2000 == 0:
                print(f"  {done[0]} / {args.count}", flush=True)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        list(pool.map(create, range(args.count)))
    elapsed = time.monotonic() - started
    print(f"created {done[0]} products in {elapsed:.1f} s ({done[0] / elapsed:.0f}/s), {len(failures)} failed")
    for f in failures[:10]:
        print("  " + f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
