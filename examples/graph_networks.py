"""Graph networks: a GCN and a GAT classify the nodes of a graph from a few labels.

A graph convolution (Kipf and Welling, 2017) replaces each node's features by the
degree-normalised average of its own and its neighbours', Â H W with
Â = D^-1/2 (A + I) D^-1/2, stored sparse: the product touches the edges only, and
backpropagation runs through it like through any matrix product. A graph attention
layer (Veličković et al., 2018) learns the averaging weights instead: a score per edge,
a softmax over each node's neighbours, then the same sparse product with those weights
as the sparse matrix's values, which the gradient reaches too.

Two graphs:
- Zachary's karate club (34 members, 78 friendships; networkx ships it), which split
  into two clubs; only the two leaders' clubs are given. The picture shows the GCN's
  hidden features of every member, coloured by the club each one really joined.
- A stochastic block model: 2,000 nodes in 4 communities, dense inside and sparse
  between, with node features too noisy to classify alone; 5% of the labels are given.

Run:  python examples/graph_networks.py [--steps 200] [--sbm-nodes 2000] [--out DIR]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import networkx as nx
import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F


def normalized_adjacency(graph: nx.Graph) -> cr.sparse.SparseTensor:
    """Â = D^-1/2 (A + I) D^-1/2 as a sparse (n, n) tensor."""
    edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)
    n = graph.number_of_nodes()
    loops = np.arange(n)
    rows = np.concatenate([edges[:, 0], edges[:, 1], loops])
    cols = np.concatenate([edges[:, 1], edges[:, 0], loops])
    degree = np.bincount(rows, minlength=n).astype(np.float32)
    values = 1.0 / np.sqrt(degree[rows] * degree[cols])
    return cr.sparse_coo_tensor(np.stack([rows, cols]), cr.tensor(values), (n, n)).coalesce()


class GCN(nn.Module):
    """Two graph convolutions: features -> hidden (ReLU) -> class scores."""

    def __init__(self, features: int, hidden: int, classes: int, dropout: float = 0.5):
        super().__init__()
        self.first, self.second = nn.Linear(features, hidden), nn.Linear(hidden, classes)
        self.dropout = dropout

    def forward(self, adjacency, x):
        self.hidden = F.relu(cr.sparse.mm(adjacency, self.first(x)))
        h = F.dropout(self.hidden, self.dropout, self.training)
        return cr.sparse.mm(adjacency, self.second(h))


class GraphAttention(nn.Module):
    """One GAT layer, `heads` heads concatenated (or averaged for the output layer)."""

    def __init__(self, features: int, out: int, heads: int = 1, concat: bool = True):
        super().__init__()
        self.heads, self.out, self.concat = heads, out, concat
        self.linear = nn.Linear(features, heads * out, bias=False)
        self.source_score = nn.Parameter(cr.randn(heads, out) * 0.1)
        self.target_score = nn.Parameter(cr.randn(heads, out) * 0.1)

    def forward(self, edges: np.ndarray, x):
        n = x.shape[0]
        h = self.linear(x).reshape(n, self.heads, self.out)
        target, source = edges  # messages flow source -> target
        outputs = []
        for k in range(self.heads):
            hk = h[:, k]
            scores = F.leaky_relu((hk * self.target_score[k]).sum(1)[target]
                                  + (hk * self.source_score[k]).sum(1)[source], 0.2)
            # softmax over each target's incoming edges: exp, then divide by its sum
            weights = (scores - scores.max().detach()).exp()
            totals = cr.zeros(n).scatter_add(0, cr.tensor(target), weights)
            attention = weights / totals[target]
            matrix = cr.sparse_coo_tensor(edges, attention, (n, n))
            outputs.append(cr.sparse.mm(matrix, hk))
        return cr.cat(outputs, 1) if self.concat else cr.stack(outputs).mean(0)


class GAT(nn.Module):
    def __init__(self, features: int, hidden: int, classes: int, heads: int = 4):
        super().__init__()
        self.first = GraphAttention(features, hidden, heads)
        self.second = GraphAttention(hidden * heads, classes, 1, concat=False)

    def forward(self, edges, x):
        return self.second(edges, F.elu(self.first(edges, F.dropout(x, 0.2, self.training))))


def edges_with_loops(graph: nx.Graph) -> np.ndarray:
    """(2, E): every edge both ways and every node to itself."""
    edges = np.array(graph.edges(), dtype=np.int64).reshape(-1, 2)
    loops = np.arange(graph.number_of_nodes())
    return np.stack([np.concatenate([edges[:, 0], edges[:, 1], loops]),
                     np.concatenate([edges[:, 1], edges[:, 0], loops])])


def fit(model, graph_input, x, labels, known, steps: int, lr: float = 0.01) -> float:
    """Train on the `known` nodes; returns the accuracy on all the others."""
    optimizer = cr.optim.Adam(model.parameters(), lr=lr, weight_decay=5e-4)
    target = cr.tensor(labels[known])
    for _ in range(steps):
        loss = F.cross_entropy(model(graph_input, x)[known], target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()
    with cr.no_grad():
        predicted = model(graph_input, x).numpy().argmax(1)
    model.train()
    unknown = np.setdiff1d(np.arange(len(labels)), known)
    return float((predicted[unknown] == labels[unknown]).mean())


def karate(steps: int, out: Path) -> tuple[float, float]:
    graph = nx.karate_club_graph()
    labels = np.array([graph.nodes[i]["club"] == "Officer" for i in graph], dtype=np.int64)
    known = np.array([0, 33])  # the instructor and the administrator
    x = cr.eye(graph.number_of_nodes())  # no features: a node is who it is
    cr.manual_seed(0)
    gcn = GCN(34, 16, 2, dropout=0.2)
    gcn_accuracy = fit(gcn, normalized_adjacency(graph), x, labels, known, steps)
    cr.manual_seed(0)
    gat_accuracy = fit(GAT(34, 8, 2), edges_with_loops(graph), x, labels, known, steps,
                       lr=0.005)
    _draw_karate(gcn, graph, labels, known, out / "karate_gcn.png")
    return gcn_accuracy, gat_accuracy


def _draw_karate(model, graph, labels, known, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hidden = model.hidden.detach().numpy()
    centred = hidden - hidden.mean(0)
    plane = centred @ np.linalg.svd(centred, full_matrices=False)[2][:2].T
    figure, axes = plt.subplots(figsize=(5, 4))
    for u, v in graph.edges():
        axes.plot(*plane[[u, v]].T, color="lightgrey", linewidth=0.5, zorder=0)
    axes.scatter(*plane.T, c=labels, cmap="coolwarm", s=40, edgecolors="black")
    axes.scatter(*plane[known].T, marker="*", s=300, c=labels[known], cmap="coolwarm",
                 vmin=0, vmax=1, edgecolors="black")
    axes.set_title("karate club: GCN hidden features (stars: the 2 labelled)")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def block_model(nodes: int, steps: int) -> tuple[float, float]:
    """GCN against an MLP on a stochastic block model with noisy features."""
    blocks, size = 4, nodes // 4
    inside, between = 10 / size, 0.4 / size  # about 10 neighbours inside, 1.2 outside
    probabilities = np.full((blocks, blocks), between) + np.eye(blocks) * (inside - between)
    graph = nx.stochastic_block_model([size] * blocks, probabilities.tolist(), seed=0)
    labels = np.repeat(np.arange(blocks), size)
    rng = np.random.default_rng(0)
    features = np.eye(blocks)[labels] + rng.normal(0, 1.5, (len(labels), blocks))
    x = cr.tensor(features.astype(np.float32))
    known = rng.choice(len(labels), len(labels) // 20, replace=False)
    cr.manual_seed(0)
    gcn = fit(GCN(blocks, 16, blocks), normalized_adjacency(graph), x, labels, known, steps)
    identity = cr.sparse_coo_tensor(np.stack([np.arange(len(labels))] * 2),
                                    cr.ones(len(labels)), (len(labels), len(labels)))
    cr.manual_seed(0)
    mlp = fit(GCN(blocks, 16, blocks), identity, x, labels, known, steps)  # no neighbours
    return gcn, mlp


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--sbm-nodes", type=int, default=2000)
    parser.add_argument("--out", type=Path, default=Path("runs/graphs"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    gcn, gat = karate(args.steps, args.out)
    print(f"karate club, 2 labelled members: GCN {gcn:.1%} and GAT {gat:.1%} of the other "
          f"32 placed in the right club; wrote {args.out / 'karate_gcn.png'}")
    sbm_gcn, sbm_mlp = block_model(args.sbm_nodes, args.steps)
    print(f"block model, {args.sbm_nodes} nodes, 5% labelled: GCN {sbm_gcn:.1%}, the same "
          f"network without the graph {sbm_mlp:.1%}")
    return {"karate_gcn": gcn, "karate_gat": gat, "sbm_gcn": sbm_gcn, "sbm_mlp": sbm_mlp}


if __name__ == "__main__":
    main()
