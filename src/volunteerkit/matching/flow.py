"""Exact maximum-weight b-matching on a bipartite graph, in pure Python.

The role-allocation problem is: volunteers ``v`` (each may take at most ``limit[v]`` slots), slots
``s`` (each takes at most ``capacity[s]`` volunteers), and candidate edges ``(v, s)`` with an integer
score ``w``; choose edges (each at most once) to maximise the total score. Nobody *must* be assigned:
an edge is used only when it raises the total.

Two exact solvers are here:

* :func:`exact_b_matching` (what :func:`volunteerkit.matching.allocate` uses): a forward auction
  gives near-optimal prices and an assignment as a warm start, then a primal-dual repair resolves
  every violated optimality condition with shortest augmenting paths. The auction is only a
  heuristic; the repair alone guarantees the optimum (see its docstring for the argument).
* :func:`max_weight_b_matching`: plain successive shortest paths from zero flow, simpler and much
  slower on large problems; kept as an independent exact implementation to check the first.

:func:`max_weight_b_matching` works on the min-cost-flow network ``v -> s`` (cost ``-w``,
capacity 1), ``s -> T`` (capacity ``capacity[s]``) and ``v -> N -> T`` ("stays unassigned", cost 0,
unbounded), where every volunteer ships ``limit[v]`` units, with successive shortest paths and node
potentials (the Hungarian / Jonker-Volgenant scheme for sparse rectangular problems), adding one
unit of a volunteer's supply at a time:

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
total score. All arithmetic is on Python integers, so both results are exact. Ties are broken by
node index (volunteers then slots, each in the order given), so the same input always gives the
same answer.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from heapq import heapify, heappop, heappush, heapreplace

__all__ = ["exact_b_matching", "greedy_b_matching", "max_weight_b_matching"]


def exact_b_matching(
    limits: Sequence[int],
    capacities: Sequence[int],
    offsets: Sequence[int],
    targets: Sequence[int],
    weights: Sequence[int],
    *,
    max_bids: int | None = None,
) -> list[int]:
    """Return the edges of a maximum-weight b-matching (exact), fast on large sparse problems.

    Two stages, the second of which alone guarantees the optimum:

    1. **Warm start** (a heuristic): a forward auction (Bertsekas' auction with unit increments) in
       which the scarcer side (the one with the smaller total capacity) bids for copies of the
       other side's nodes, giving near-optimal prices and a near-optimal assignment. It stops after
       ``max_bids`` bids whatever its state.
    2. **Exact repair** (primal-dual): from the auction's state, potentials are made *feasible* for
       the LP dual (every unused edge has ``a_v + p_s >= w``, every used edge ``a_v + p_s <= w``,
       all potentials ``>= 0``) by raising volunteers' potentials where needed and dropping the few
       used edges that become too expensive. A node with room left and a positive potential is
       *active*. Active units are resolved by shortest augmenting paths (Dijkstra on reduced costs
       from all active nodes of one side at once, over alternating paths, to where a unit can be
       absorbed; then more node-disjoint paths of reduced cost 0), and the settled nodes'
       potentials move by their distance (the Jonker-Volgenant update). This keeps the dual
       feasible and the used edges complementary; when no active node is left, the complementary
       slackness conditions of the LP hold, so the assignment is optimal.

    Integer arithmetic throughout; ties broken by node index, so the same input gives the same answer.

    Args:
        limits: Per volunteer, the most slots it may take.
        capacities: Per slot, the most volunteers it may take.
        offsets: Edge offsets per volunteer (compressed sparse rows); no volunteer may list a slot
            twice.
        targets: Slot index of each edge.
        weights: Integer score of each edge; edges scoring 0 or less are never chosen.
        max_bids: Bid budget of the warm start (default: 200 per unit of the smaller side's total
            capacity, at least 10,000). The repair is exact from any state, but much slower from
            an auction cut short.

    Returns:
        The indices of the chosen edges, ascending.
    """
    n, m = len(limits), len(capacities)
    size = n + m
    cap = list(limits) + list(capacities)
    nb: list[list[int]] = [[] for _ in range(size)]  # neighbours (node indices; slots are n + s)
    nw: list[list[int]] = [[] for _ in range(size)]  # edge weights, parallel to nb
    for v in range(n):
        for e in range(offsets[v], offsets[v + 1]):
            w = weights[e]
            if w > 0:
                x = n + targets[e]
                nb[v].append(x)
                nw[v].append(w)
                nb[x].append(v)
                nw[x].append(w)
    # Only edges scoring above 0 are ever used, so no node can use more room than it has such
    # edges: cutting limits and capacities to that changes no optimum, and keeps the auction's
    # copies (one a unit of room) as few as the edges, whatever the limits (10**20 or more).
    cap = [min(room, len(nb[x])) for x, room in enumerate(cap)]
    on_volunteers, on_slots = sum(cap[:n]), sum(cap[n:])
    pot = [0] * size
    used: list[dict[int, int]] = [{} for _ in range(size)]
    if max_bids is None:
        max_bids = max(10_000, 200 * min(on_slots, on_volunteers))
    volunteers, slots = range(n), range(n, size)
    # The scarcer side bids: its units are the ones that compete.
    bidders, objects = (slots, volunteers) if on_slots < on_volunteers else (volunteers, slots)
    _auction_warm_start(bidders, objects, cap, nb, nw, pot, used, max_bids)
    _make_feasible(bidders, objects, cap, nb, nw, pot, used)
    _repair_phased(n, cap, nb, nw, pot, used)
    chosen = [
        e
        for v in range(n)
        if used[v]
        for e in range(offsets[v], offsets[v + 1])
        if n + targets[e] in used[v]
    ]
    chosen.sort()
    return chosen


def _auction_warm_start(
    bidders: range,
    objects: range,
    cap: list[int],
    nb: list[list[int]],
    nw: list[list[int]],
    pot: list[int],
    used: list[dict[int, int]],
    max_bids: int,
) -> None:
    """Run a forward auction in which the ``bidders`` side bids for copies of ``objects``.

    Each unit of a bidder's capacity bids for one copy of an object (an object has as many copies
    as its capacity, each with its own price); a bidder's free units bid together for their best
    objects, each raising the cheapest copy's price by its margin over the next best plus one.
    Leaves each object's potential at its cheapest copy's price and ``used`` holding the
    assignment. A heuristic: the repair does not rely on its quality.
    """
    first = objects.start
    copies: list[list[tuple[int, int]]] = [[(0, k) for k in range(cap[o])] for o in objects]
    holder: list[list[int]] = [[-1] * cap[o] for o in objects]
    heaps: dict[int, list[tuple[int, int, int]]] = {}
    for x in bidders:
        if cap[x] > 0 and nb[x]:
            h = [(-w, o, w) for o, w in zip(nb[x], nw[x], strict=True) if cap[o] > 0]
            heapify(h)
            heaps[x] = h
    queue = deque(x for x in bidders if x in heaps)
    bids = 0
    while queue and bids < max_bids:
        x = queue.popleft()
        held = used[x]
        k = cap[x] - len(held)
        if k <= 0:
            continue
        h = heaps[x]
        top: list[tuple[int, int, int]] = []
        aside: list[tuple[int, int, int]] = []
        while h and len(top) <= k:
            entry = heappop(h)
            o, w = entry[1], entry[2]
            if o in held:
                aside.append(entry)
                continue
            val = w - copies[o - first][0][0]
            if -entry[0] != val:
                heappush(h, (-val, o, w))  # stale: prices only rise, so re-file it lower
                continue
            top.append((val, o, w))
        for val, o, w in top:
            heappush(h, (-val, o, w))
        for entry in aside:
            heappush(h, entry)
        ref = max(0, top[k][0]) if len(top) > k else 0
        for val, o, w in top[:k]:
            if val <= 0:
                break
            heap_o = copies[o - first]
            price, copy = heap_o[0]
            heapreplace(heap_o, (price + val - ref + 1, copy))
            bids += 1
            holders = holder[o - first]
            old = holders[copy]
            holders[copy] = x
            held[o] = w
            used[o][x] = w
            if old >= 0:
                del used[old][o]
                del used[o][old]
                queue.append(old)
    for o in objects:
        heap_o = copies[o - first]
        pot[o] = heap_o[0][0] if heap_o else 0


def _make_feasible(
    bidders: range,
    objects: range,
    cap: list[int],
    nb: list[list[int]],
    nw: list[list[int]],
    pot: list[int],
    used: list[dict[int, int]],
) -> None:
    """Turn an assignment and the objects' potentials into a dual-feasible starting point.

    A bidder's potential is 0 while it has room, else the smallest margin ``w - pot[o]`` among
    the objects it holds (so every used edge has ``a + p <= w``). Then every unused edge with
    ``a + p < w`` raises its object's potential to ``w - a``, and a used edge that this makes too
    expensive is dropped. Every potential ends ``>= 0``.
    """
    for x in bidders:
        held = used[x]
        if len(held) < cap[x] or not held:
            pot[x] = 0
        else:
            pot[x] = max(0, min(w - pot[o] for o, w in held.items()))
    for x in bidders:
        p = pot[x]
        held = used[x]
        for o, w in zip(nb[x], nw[x], strict=True):
            if o not in held and pot[o] + p < w:
                pot[o] = w - p
    for o in objects:
        for x, w in list(used[o].items()):
            if pot[o] + pot[x] > w:
                del used[o][x]
                del used[x][o]


def _repair_phased(
    n: int,
    cap: list[int],
    nb: list[list[int]],
    nw: list[list[int]],
    pot: list[int],
    used: list[dict[int, int]],
) -> None:
    """Resolve every active unit, many per Dijkstra (see :func:`exact_b_matching`).

    Each phase runs one Dijkstra from *all* active nodes of one side at once (distance 0 each),
    moves the settled nodes' potentials by ``D - dist`` (which keeps every reduced cost
    non-negative, since the distances obey the triangle inequality, and makes every shortest path
    of length ``D`` a path of reduced cost 0), augments along the path it found, then along further
    node-disjoint reduced-cost-0 paths found by depth-first search from the other active nodes
    (as Hopcroft and Karp do for cardinality). Every augmentation is along a shortest path, so the
    invariants of the repair hold after each one. Volunteers' actives go first, then slots'.
    """
    size = len(cap)
    inf = _unreached(max((w for ws in nw for w in ws), default=0))
    dist = [inf] * size
    pred = [-1] * size
    mark = [0] * size
    phase = 0

    def gain_floor(x: int) -> None:
        # Nothing enters x: its potential may drop to the least dual-feasible value.
        best_gain = 0
        for y, w in zip(nb[x], nw[x], strict=True):
            g = w - pot[y]
            if g > best_gain:
                best_gain = g
        pot[x] = best_gain

    def augment(path: list[int], x_side: bool) -> None:
        # path: start (source side), then alternating nodes; the last node is the end.
        last = path[-1]
        if len(path) > 1 and (last < n) == x_side:  # the end gives up the edge it came by
            b = path[-2]
            del used[last][b]
            del used[b][last]
            path = path[:-1]
        for i in range(0, len(path) - 1, 2):
            a, b = path[i], path[i + 1]
            if i > 0:
                prev = path[i - 1]
                del used[a][prev]
                del used[prev][a]
            w = nw[a][nb[a].index(b)]
            used[a][b] = w
            used[b][a] = w

    for side_is_volunteers in (True, False):
        nodes = range(n) if side_is_volunteers else range(n, size)
        while True:
            active = []
            for x in nodes:
                if len(used[x]) < cap[x]:
                    if not used[x]:
                        gain_floor(x)
                    if pot[x] > 0:
                        active.append(x)
            if not active:
                break
            phase += 1
            x_side = side_is_volunteers
            # 1. multi-source Dijkstra
            touched: list[int] = []
            settled: list[int] = []
            heap: list[tuple[int, int]] = []
            for x in active:
                dist[x] = 0
                pred[x] = -1
                touched.append(x)
                heap.append((0, x))
            heapify(heap)
            best = inf
            end = -1
            while heap:
                d, u = heappop(heap)
                if d >= best:
                    break
                if mark[u] == phase or d > dist[u]:
                    continue
                mark[u] = phase
                settled.append(u)
                pu = pot[u]
                if (u < n) == x_side:
                    if d + pu < best:
                        best = d + pu
                        end = u
                    uu = used[u]
                    base = d + pu
                    nbu, nwu = nb[u], nw[u]
                    for i in range(len(nbu)):
                        y = nbu[i]
                        if y in uu:
                            continue
                        nd = base + pot[y] - nwu[i]
                        if nd < dist[y] and nd < best:
                            if dist[y] == inf:
                                touched.append(y)
                            dist[y] = nd
                            pred[y] = u
                            heappush(heap, (nd, y))
                else:
                    if len(used[u]) < cap[u] and d < best:
                        best = d
                        end = u
                    base = d - pu
                    for y, w in used[u].items():
                        nd = base + w - pot[y]
                        if nd < dist[y] and nd < best:
                            if dist[y] == inf:
                                touched.append(y)
                            dist[y] = nd
                            pred[y] = u
                            heappush(heap, (nd, y))
            # 2. potentials
            for u in settled:
                if (u < n) == x_side:
                    pot[u] -= best - dist[u]
                else:
                    pot[u] += best - dist[u]
            # 3. the path Dijkstra found
            path = [end]
            while pred[path[-1]] >= 0:
                path.append(pred[path[-1]])
            path.reverse()
            for u in touched:
                dist[u] = inf
                pred[u] = -1
            phase += 1  # fresh marks for the depth-first searches
            if len(path) > 1:
                augment(path, x_side)
            for u in path:
                mark[u] = phase
            # 4. more node-disjoint paths of reduced cost 0 (depth-first, in index order)
            for x in active:
                if mark[x] == phase or len(used[x]) >= cap[x] or pot[x] == 0:
                    continue
                mark[x] = phase
                stack = [x]
                cursor = [0]
                found = False
                while stack:
                    u = stack[-1]
                    on_x_side = (u < n) == x_side
                    if len(stack) > 1:
                        if on_x_side and pot[u] == 0:
                            found = True
                            break
                        if not on_x_side and len(used[u]) < cap[u]:
                            found = True
                            break
                    nxt = -1
                    if on_x_side:
                        nbu, nwu, uu, pu = nb[u], nw[u], used[u], pot[u]
                        i = cursor[-1]
                        while i < len(nbu):
                            y = nbu[i]
                            i += 1
                            if mark[y] != phase and y not in uu and pu + pot[y] == nwu[i - 1]:
                                nxt = y
                                break
                        cursor[-1] = i
                    else:
                        items = list(used[u].items())
                        i = cursor[-1]
                        pu = pot[u]
                        while i < len(items):
                            y, w = items[i]
                            i += 1
                            if mark[y] != phase and w == pu + pot[y]:
                                nxt = y
                                break
                        cursor[-1] = i
                    if nxt < 0:
                        stack.pop()
                        cursor.pop()
                        continue
                    mark[nxt] = phase
                    stack.append(nxt)
                    cursor.append(0)
                if found:
                    augment(stack, x_side)


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
    inf = _unreached(max(weights, default=0))
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
        for _unit in range(min(limits[v], hi - lo)):  # it cannot use more units than edges
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


def _unreached(top: int) -> int:
    """The distance that stands for "not reached" in a search, beyond every real distance.

    A search keeps only distances below its best end, which is at most the largest potential, and
    potentials stay within ``[-top - 1, top + 1]`` for a largest score ``top``; ``1 << 62`` as long
    as that is beyond them, a larger integer for larger scores (Python's integers have no bound).
    """
    return max(1 << 62, 4 * (top + 2))


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

    Edges are taken in order of score, highest first (ties: lower edge index, that is volunteer
    order, then the order of the volunteer's edges), whenever both ends still have room. Edges
    scoring 0 or less are never chosen.

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
    count = len(targets)
    owner = [v for v in range(n) for _ in range(offsets[v + 1] - offsets[v])]
    top = max(weights, default=0)
    if 0 < top <= 4 * count + 1024:
        # Small integer scores: a bucket per score keeps edge order within a score, no sort.
        buckets: list[list[int]] = [[] for _ in range(top + 1)]
        for e, w in enumerate(weights):
            if w > 0:
                buckets[w].append(e)
        order: Iterable[int] = (e for bucket in reversed(buckets) for e in bucket)
    else:
        # One integer key per edge, sorted in C: (top - w) major, edge index minor.
        keys = [(top - w) * count + e for e, w in enumerate(weights) if w > 0]
        keys.sort()
        order = (key % count for key in keys)
    room_v = list(limits)
    room_s = list(capacities)
    left_v, left_s = sum(room_v), sum(room_s)
    chosen: list[int] = []
    for e in order:
        v = owner[e]
        s = targets[e]
        if room_v[v] > 0 and room_s[s] > 0:
            room_v[v] -= 1
            room_s[s] -= 1
            chosen.append(e)
            left_v -= 1
            left_s -= 1
            if left_v == 0 or left_s == 0:
                break
    chosen.sort()
    return chosen
