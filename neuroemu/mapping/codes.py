"""Integer codes of the mapped configuration, shared by the mapping, the engines and energy.

Defined once here (the event kernel compiles them in as constants).
"""

#: population model codes (``HardwareConfig.pop_model``)
MODEL_INPUT, MODEL_SINGLE, MODEL_CUBA, MODEL_XYLO = 0, 1, 2, 3
#: reset codes (``HardwareConfig.pop_reset``)
RESET_ZERO, RESET_SUBTRACT, RESET_NONE = 0, 1, 2
RESET_CODES = {"zero": RESET_ZERO, "subtract": RESET_SUBTRACT, "none": RESET_NONE}


def model_code(population) -> int:
    """The model code of an IR population: input, one register, CUBA (two) or Xylo (three)."""
    if population.neuron is None:
        return MODEL_INPUT
    if population.neuron.model == "xylo":
        return MODEL_XYLO
    return MODEL_CUBA if population.neuron.model == "cuba" else MODEL_SINGLE
