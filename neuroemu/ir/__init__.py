"""The logical network (IR): frozen dataclasses in user units."""

from .connectivity import conv_output_shape, synapses
from .network import Network, Neuron, Population, Projection, Readout, neuron, projection

__all__ = [
    "Network",
    "Neuron",
    "Population",
    "Projection",
    "Readout",
    "conv_output_shape",
    "neuron",
    "projection",
    "synapses",
]
