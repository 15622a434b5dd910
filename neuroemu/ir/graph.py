"""The population graph (networkx, imported when a graph is built: a run that needs no
depth does not load it): depth and latency in ticks."""

from __future__ import annotations


def population_graph(net):
    """Populations as nodes, projections as edges carrying their delay (a
    :class:`networkx.DiGraph`)."""
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(p.name for p in net.populations)
    for pr in net.projections:
        if g.has_edge(pr.source, pr.target):
            g[pr.source][pr.target]["delay"] = max(g[pr.source][pr.target]["delay"], pr.delay)
        else:
            g.add_edge(pr.source, pr.target, delay=pr.delay)
    return g


def depth_ticks(net) -> int:
    """Ticks a spike needs to cross the network: the longest path of delays.

    Recurrent loops are collapsed: a strongly connected component counts as one
    node weighted by the sum of the delays inside it (the longest a simple path
    through it can take), so the value is finite and, for recurrent networks,
    an upper bound. (Plain Python on the population graph, which is small: every run
    asks for it, and networkx takes longer to import than this takes to run.)
    """
    delay: dict = {}  # (source, target) -> the longest delay of their projections
    for pr in net.projections:
        key = (pr.source, pr.target)
        delay[key] = max(delay.get(key, pr.delay), pr.delay)
    after = {p.name: [] for p in net.populations}
    for a, b in delay:
        after[a].append(b)
    comps = _components(after)
    comp = {a: i for i, members in enumerate(comps) for a in members}
    inside = [0] * len(comps)
    before: list = [[] for _ in comps]  # per component: (component, delay) of edges into it
    for (a, b), d in delay.items():
        if comp[a] == comp[b]:
            inside[comp[a]] += d
        else:
            before[comp[b]].append((comp[a], d))
    # the longest path ending in each component, those that reach it first
    best = [0] * len(comps)
    for c in reversed(range(len(comps))):
        best[c] = inside[c] + max((best[p] + d for p, d in before[c]), default=0)
    return max(best, default=0)


def _components(after: dict) -> list:
    """The strongly connected components of the graph ``after`` (node -> its successors),
    each a list of nodes, every component before those that reach it (Tarjan's
    algorithm, without recursion)."""
    index: dict = {}
    low: dict = {}
    stack, on_stack, comps = [], set(), []
    for root in after:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(after[root]))]
        while work:
            v, successors = work[-1]
            for w in successors:
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(after[w])))
                    break
                if w in on_stack:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    u = work[-1][0]
                    low[u] = min(low[u], low[v])
                if low[v] == index[v]:
                    members = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        members.append(w)
                        if w == v:
                            break
                    comps.append(members)
    return comps
