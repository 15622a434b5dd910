"""The population graph (networkx): depth and latency in ticks."""

from __future__ import annotations

import networkx as nx


def population_graph(net) -> nx.DiGraph:
    """Populations as nodes, projections as edges carrying their delay."""
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
    an upper bound.
    """
    g = population_graph(net)
    cond = nx.condensation(g)
    members = cond.graph["mapping"]
    inside = {c: 0 for c in cond.nodes}
    for a, b, d in g.edges(data="delay"):
        if members[a] == members[b]:
            inside[members[a]] += d
    # split each component into an entry and an exit joined by its internal delays
    dag = nx.DiGraph()
    for c in cond.nodes:
        dag.add_edge(("in", c), ("out", c), weight=inside[c])
    for a, b, d in g.edges(data="delay"):
        ca, cb = members[a], members[b]
        if ca != cb:
            w = max(d, dag[("out", ca)][("in", cb)]["weight"]) if dag.has_edge(
                ("out", ca), ("in", cb)) else d
            dag.add_edge(("out", ca), ("in", cb), weight=w)
    return int(nx.dag_longest_path_length(dag, weight="weight"))
