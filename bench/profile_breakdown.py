#!/usr/bin/env python3
"""Breaks a CPU profile in async-profiler's collapsed format (with threads) down the way docs/performance.md reports
it: the process's time by thread, then the event loops' time by what they were doing.

    python3 bench/profile_breakdown.py profile.collapsed

Each event-loop sample goes to the first part its stack matches, in the order of PARTS: the socket's system calls
first, then the store's pieces, then Vert.x Web's router; what matches none is netty's and Vert.x's own HTTP work.
"""
import collections
import re
import sys

PARTS = [
    ("socket writes (writev)", lambda s: "writev" in s),
    ("socket reads (read)", lambda s: "__GI_read" in s or "SocketDispatcher.read" in s),
    ("waiting for events (epoll)", lambda s: "epoll" in s),
    ("meters", lambda s: "HttpServerMeters" in s or "micrometer" in s),
    ("access log", lambda s: "store/platform/RequestLog" in s),
    ("authentication", lambda s: "store/platform/Auth." in s),
    ("cache look-ups", lambda s: "getIfPresent" in s),
    ("repeated pages, the rest (answer, headers)", lambda s: "store/platform/RepeatedGets" in s),
    ("Vert.x Web routing and handlers", lambda s: "io/vertx/ext/web" in s),
    ("the store's other code", lambda s: ";store/" in s),
]


def main(path):
    threads = collections.Counter()
    loops = collections.Counter()
    total = 0
    with open(path) as profile:
        for line in profile:
            stack, _, count = line.rstrip().rpartition(" ")
            if not stack:
                continue
            samples = int(count)
            thread = re.sub(r"\d+", "N", stack.split(";", 1)[0].strip("[]").split(" tid=")[0])
            total += samples
            threads[thread] += samples
            if "eventloop" in thread:
                part = next((name for name, matches in PARTS if matches(stack)), "netty and Vert.x HTTP")
                loops[part] += samples
    if not total:
        sys.exit("no samples in " + path)
    print(f"{total} samples; by thread:")
    for thread, samples in threads.most_common(8):
        print(f"  {100 * samples / total:5.1f} %  {thread}")
    in_loops = sum(loops.values())
    print(f"event loops ({in_loops} samples), by part:")
    for part, samples in loops.most_common():
        print(f"  {100 * samples / in_loops:5.1f} %  {part}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
