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

    Recurrent loops are collapsed (each strongly connected component counts
    as one node), so the value is finite for recurrent networks.
    """
    g = population_graph(net)
    cond = nx.condensation(g)
    members = cond.graph["mapping"]
    dag = nx.DiGraph()
    dag.add_nodes_from(cond.nodes)
    for a, b, d in g.edges(data="delay"):
        ca, cb = members[a], members[b]
        if ca != cb:
            w = max(d, dag[ca][cb]["weight"]) if dag.has_edge(ca, cb) else d
            dag.add_edge(ca, cb, weight=w)
    return int(nx.dag_longest_path_length(dag, weight="weight")) if dag.number_of_edges() else 0
