"""``neuroemu profiles``: the hardware profiles shipped, their limits, costs and sources."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser(
        "profiles", help="list the hardware profiles with their figures and sources",
        description="List the hardware profiles in models/ (or $NEUROEMU_MODELS): core limits, "
                    "registers, energy and latency per operation, and where each number comes "
                    "from.")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(handler=main)


def main(args) -> int:
    from ..energy.costs import describe_profile
    from ..hw import available_profiles, load_profile
    from ..hw.profile import models_dir
    from .common import print_json, table

    names = available_profiles()
    profiles = [describe_profile(load_profile(n)) for n in names]
    if args.json:
        print_json({"models_dir": str(models_dir()), "profiles": profiles})
        return 0
    if not profiles:
        print(f"no profiles in {models_dir()}")
        return 0
    rows = []
    for p in profiles:
        e = p["energy"]
        r = p["registers"]
        rows.append([p["name"], p["core"]["neurons"], p["core"]["axons"],
                     f"{p['mesh']['width']}x{p['mesh']['height']}"
                     + (f" x{p['mesh']['chips']}" if p["mesh"].get("chips", 1) > 1 else ""),
                     f"{r['w_bits']}/{r['v_bits']}/{r['u_bits']}",
                     f"{e['synaptic_op_pj']:g}", e["evidence"], e["scope"],
                     p["latency"]["mode"]])
    print(table(rows, ["profile", "neurons/core", "axons/core", "mesh", "w/v/u bits",
                       "pJ/syn op", "evidence", "scope", "latency"]))
    conv = profiles[0]["convention"]
    print(f"\nbeside each profile's own figure, reports give the papers' convention: "
          f"E_AC {conv['ac_pj']:g} pJ, E_MAC {conv['mac_pj']:g} pJ")
    for src in conv["sources"].values():
        print(f"  {src}")
    for p in profiles:
        print(f"\n{p['name']} ({p['file']}): {p['description']}")
        for section in ("energy", "latency"):
            for key, val in p[section].items():
                if key in ("evidence", "scope", "neuron_policy") or val is None:
                    continue
                src = p["sources"].get(f"{section}.{key}", "")
                shown = val if isinstance(val, str) else f"{val:g}"
                print(f"  {section}.{key} = {shown}" + (f"\n      {src}" if src else ""))
        for key in ("core.neurons", "core.axons", "core.synapse_memory_bits", "mesh.width",
                    "registers.w_bits", "registers.v_bits", "registers.u_bits"):
            if key in p["sources"]:
                print(f"  {key}: {p['sources'][key]}")
    return 0
