"""Exact maximum-weight b-matching on a bipartite graph, in pure Python.

The role-allocation problem is: volunteers ``v`` (each may take at most ``limit[v]`` slots), slots
``s`` (each takes at most ``capacity[s]`` volunteers), and candidate edges ``(v, s)`` with an integer
score ``w``; choose edges (each at most once) to maximise the total score. Nobody *must* be assigned:
an edge is used only when it raises the total.

Algorithm. This is a min-cost flow on the network ``v -> s`` (cost ``-w``, capacity 1), ``s -> T``
(capacity ``capacity[s]``) and ``v -> N -> T`` ("stays unassigned", cost 0, unbounded), where every
volunteer ships ``limit[v]`` units. We use successive shortest paths with node potentials
(the Hungarian / Jonker-Volgenant scheme for sparse rectangular problems), adding one unit of a
volunteer's supply at a time:

* potentials ``pv[v] >= 0`` (a volunteer's dual "profit") and ``ps[s] <= 0`` (minus a slot's dual
  "price"); every residual edge has a non-negative reduced cost, and used edges have reduced cost 0;
* each unit is routed along a shortest path (Dijkstra over reduced costs, integer arithmetic,
  stopping as soon as the sink is the nearest unreached node) from its volunteer to the sink, either
  through a slot with room or through a volunteer who drops back to "unassigned";
* after a search, only the nodes it settled have their potentials moved (by ``dist - D``), which
  keeps every reduced cost non-negative (Jonker and Volgenant's update);
* before a volunteer's first unit, its potential is lowered to ``max(0, max_s(w - price_s))``, the
  smallest value that keeps its edges' reduced costs non-negative, so the search starts on edges of
  reduced cost 0.

Successive shortest paths keeps the flow of minimum cost for the supply added so far, so the final
flow, in which every unit has been placed, is a minimum-cost flow: the chosen edges have the maximum
total score. All arithmetic is on Python integers, so the result is exact. Ties are broken by node
index (volunteers then slots, each in the order given), so the same input always gives the same
answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush

__all__ = ["exact_b_matching", "greedy_b_matching", "max_weight_b_matching"]


def exact_b_matching(
    limits: Sequence[int],
    capacities: Sequence[int],
    offsets: Sequence[int],
    targets: Sequence[int],
    weights: Sequence[int],
) -> list[int]:
    """Return the edges of a maximum-weight b-matching, searching from the scarcer side.

    The augmenting-path searches are shortest where the side they start from is the scarce one
    (the other side then has plenty of room to end in). When the slots' total capacity is below the
    volunteers' total limit, the problem is transposed (slots search for volunteers) and solved by
    :func:`max_weight_b_matching`; the answer is the same optimum either way, deterministic for the
    same input.

    Args:
        limits: Per volunteer, the most slots it may take.
        capacities: Per slot, the most volunteers it may take.
        offsets: Edge offsets per volunteer (compressed sparse rows).
        targets: Slot index of each edge.
        weights: Integer score of each edge.

    Returns:
        The indices of the chosen edges, ascending.
    """
    if sum(capacities) >= sum(limits):
        return max_weight_b_matching(limits, capacities, offsets, targets, weights)
    m = len(capacities)
    counts = [0] * (m + 1)
    for s in targets:
        counts[s + 1] += 1
    for s in range(m):
        counts[s + 1] += counts[s]
    pos = counts[:m]
    t_targets = [0] * len(targets)
    t_weights = [0] * len(targets)
    back = [0] * len(targets)
    for v in range(len(limits)):
        for e in range(offsets[v], offsets[v + 1]):
            s = targets[e]
            i = pos[s]
            pos[s] = i + 1
            t_targets[i] = v
            t_weights[i] = weights[e]
            back[i] = e
    chosen = max_weight_b_matching(capacities, limits, counts, t_targets, t_weights)
    return sorted(back[i] for i in chosen)


def max_weight_b_matching(
    limits: Sequence[int],
    capacities: Sequence[int],
    offsets: Sequence[int],
    targets: Sequence[int],
    weights: Sequence[int],
) -> list[int]:
    """Return the edges of a maximum-weight b-matching (exact).

    The graph is given in compressed sparse rows: the edges of volunteer ``v`` are
    ``range(offsets[v], offsets[v + 1])``; edge ``e`` goes to slot ``targets[e]`` with integer
    score ``weights[e]``. A volunteer must not have two edges to the same slot.

    Args:
        limits: Per volunteer, the most slots it may take (``>= 0``).
        capacities: Per slot, the most volunteers it may take (``>= 0``).
        offsets: ``len(limits) + 1`` non-decreasing edge offsets, from 0 to ``len(targets)``.
        targets: Slot index of each edge.
        weights: Integer score of each edge; edges scoring 0 or less are never chosen.

    Returns:
        The indices of the chosen edges, ascending.
    """
    n = len(limits)
    m = len(capacities)
    ps = [0] * m  # slot potentials (<= 0): minus the slot's price
    pv = [0] * n  # volunteer potentials (>= 0): the volunteer's profit
    members: list[dict[int, int]] = [{} for _ in range(m)]  # slot -> {volunteer: weight}
    taken: list[dict[int, int]] = [{} for _ in range(n)]  # volunteer -> {slot: edge}
    cap = list(capacities)
    inf = 1 << 62
    dist = [inf] * (n + m)
    done = [0] * (n + m)
    pred = [0] * (n + m)  # volunteer node: slot it was reached from; slot node: edge index
    stamp = 0
    tg = targets
    wt = weights

    for v in range(n):
        lo, hi = offsets[v], offsets[v + 1]
        if limits[v] <= 0 or lo == hi:
            continue
        # Tighten the new volunteer's potential (no edge enters it yet).
        best_gain = 0
        for e in range(lo, hi):
            g = wt[e] + ps[tg[e]]
            if g > best_gain:
                best_gain = g
        if best_gain <= 0:
            continue  # no edge can raise the total: every unit stays unassigned
        pv[v] = best_gain
        for _unit in range(limits[v]):
            stamp += 1
            touched = [v]
            settled: list[int] = []
            dist[v] = 0
            heap: list[tuple[int, int]] = [(0, v)]
            best = inf
            end = -1  # node index where the path leaves for the sink
            while heap:
                d, x = heappop(heap)
                if d >= best:
                    break
                if done[x] == stamp:
                    continue
                done[x] = stamp
                settled.append(x)
                if x < n:
                    pu = pv[x]
                    if d + pu < best:  # x drops back to "unassigned"
                        best = d + pu
                        end = x
                    tk = taken[x]
                    base = d + pu
                    for e in range(offsets[x], offsets[x + 1]):
                        s = tg[e]
                        if s in tk:
                            continue
                        nd = base - wt[e] - ps[s]
                        y = n + s
                        if nd < dist[y]:
                            if dist[y] == inf:
                                touched.append(y)
                            dist[y] = nd
                            pred[y] = e
                            heappush(heap, (nd, y))
                else:
                    s = x - n
                    mem = members[s]
                    if len(mem) < cap[s]:
                        nd = d + ps[s]
                        if nd < best:
                            best = nd
                            end = x
                    base = d + ps[s]
                    for u, w in mem.items():
                        nd = base + w - pv[u]
                        if nd < dist[u]:
                            if dist[u] == inf:
                                touched.append(u)
                            dist[u] = nd
                            pred[u] = s
                            heappush(heap, (nd, u))
            # Move the potentials of settled nodes (Jonker-Volgenant update).
            for x in settled:
                if x < n:
                    pv[x] += dist[x] - best
                else:
                    ps[x - n] += dist[x] - best
            # Augment along the path.
            x = end
            if x < n:
                # A volunteer leaves its slot (or v itself stays unassigned).
                if x != v:
                    s = pred[x]
                    del members[s][x]
                    del taken[x][s]
                    x = n + s
                else:
                    x = -1
            while x >= n:
                s = x - n
                e = pred[x]
                u = _owner(offsets, e)
                members[s][u] = wt[e]
                taken[u][s] = e
                if u == v:
                    break
                s_prev = pred[u]
                del members[s_prev][u]
                del taken[u][s_prev]
                x = n + s_prev
            for x in touched:
                dist[x] = inf
    chosen = [e for tk in taken for e in tk.values()]
    chosen.sort()
    return chosen


def _owner(offsets: Sequence[int], e: int) -> int:
    """Return the volunteer whose edge range holds edge ``e`` (binary search over offsets)."""
    lo, hi = 0, len(offsets) - 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if offsets[mid] <= e:
            lo = mid
        else:
            hi = mid
    return lo


def greedy_b_matching(
    limits: Sequence[int],
    capacities: Sequence[int],
    offsets: Sequence[int],
    targets: Sequence[int],
    weights: Sequence[int],
) -> list[int]:
    """Return the edges chosen by the greedy rule (not optimal; fast and predictable).

    Edges are taken in order of score, highest first (ties: lower volunteer index, then lower slot
    index), whenever both ends still have room. Edges scoring 0 or less are never chosen.

    Args:
        limits: Per volunteer, the most slots it may take.
        capacities: Per slot, the most volunteers it may take.
        offsets: Edge offsets per volunteer (compressed sparse rows).
        targets: Slot index of each edge.
        weights: Integer score of each edge.

    Returns:
        The indices of the chosen edges, ascending.
    """
    n = len(limits)
    owner = [0] * len(targets)
    for v in range(n):
        for e in range(offsets[v], offsets[v + 1]):
            owner[e] = v
    order = [e for e in range(len(targets)) if weights[e] > 0]
    order.sort(key=lambda e: (-weights[e], owner[e], targets[e]))
    room_v = list(limits)
    room_s = list(capacities)
    chosen: list[int] = []
    for e in order:
        v = owner[e]
        s = targets[e]
        if room_v[v] > 0 and room_s[s] > 0:
            room_v[v] -= 1
            room_s[s] -= 1
            chosen.append(e)
    chosen.sort()
    return chosen
