"""The words of the IR: neuron models, resets, comparisons, projection kinds, readouts."""

MODELS = ("if", "lif", "cuba", "klif", "xylo")
RESETS = ("zero", "subtract", "none")
FIRE_ON = (">=", ">")
PROJECTION_KINDS = ("dense", "sparse", "conv2d", "sumpool2d")
READOUTS = ("count", "first_spike", "last_membrane", "mean_membrane")
