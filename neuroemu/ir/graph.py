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
    nodes = [p.name for p in net.populations]
    after = {a: [] for a in nodes}
    for a, b in delay:
        after[a].append(b)

    def reach(a) -> set:
        seen, todo = {a}, [a]
        while todo:
            for b in after[todo.pop()]:
                if b not in seen:
                    seen.add(b)
                    todo.append(b)
        return seen

    reached = {a: reach(a) for a in nodes}
    # a component: the populations each reaches and is reached from
    comp = {a: frozenset(b for b in reached[a] if a in reached[b]) for a in nodes}
    inside = dict.fromkeys(comp.values(), 0)
    between: dict = {}  # (component, component) -> the longest delay from one to the other
    for (a, b), d in delay.items():
        if comp[a] == comp[b]:
            inside[comp[a]] += d
        else:
            key = (comp[a], comp[b])
            between[key] = max(between.get(key, d), d)
    # the longest path ending in each component, components in an order where every
    # component comes after those that reach it (fewer components reached first)
    best: dict = {}
    for c in sorted(inside, key=lambda c: -len(reached[next(iter(c))])):
        best[c] = inside[c] + max((best[p] + d for (p, q), d in between.items() if q == c),
                                  default=0)
    return max(best.values(), default=0)
