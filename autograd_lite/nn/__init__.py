"""Models made of Values: neurons, layers and MLPs, and the pieces of a GPT (embeddings,
attention, RMSNorm).

>>> model = MLP(2, [4, 1], seed=0)
>>> model
MLP(2 → 4 → 1, relu, last layer linear: 17 parameters)
  layer0: Layer(2 → 4, relu: 12 parameters)
  layer1: Layer(4 → 1, linear: 5 parameters)
>>> score = model([0.5, -1.0])            # one output neuron: a single Value
>>> score.backward()
>>> len(model.parameters()), model.parameters()[0].label
(17, 'w0')

Every Value a module creates carries its ``scope`` (``"layer0.neuron2"``), so a drawing can group
the nodes of each neuron and layer. Parameters are initialised from a seed: the same seed gives the
same numbers.

The rooms: ``module`` (the base class: named parameters, summary, state dicts), ``io`` (model
files), ``mlp`` (neurons, layers, MLPs and their activations), ``gpt`` (embeddings, RMSNorm,
causal attention, transformer blocks, the GPT and sampling).
"""

from __future__ import annotations

from ..engine import Parameter
from .gpt import (
    GPT,
    Block,
    CausalSelfAttention,
    Embedding,
    KVCache,
    Linear,
    RMSNorm,
    dot,
    next_token_data,
    rmsnorm,
    sample,
)
from .mlp import ACTIVATIONS, MLP, Layer, Neuron, activations
from .module import Module

__all__ = [
    "ACTIVATIONS",
    "GPT",
    "MLP",
    "Block",
    "CausalSelfAttention",
    "Embedding",
    "KVCache",
    "Layer",
    "Linear",
    "Module",
    "Neuron",
    "Parameter",
    "RMSNorm",
    "activations",
    "dot",
    "next_token_data",
    "rmsnorm",
    "sample",
]
