"""`gridstream contracts export` and `gridstream areas`: the contracts seen from the command line."""

import argparse
from pathlib import Path

from gridstream.contracts import AREAS, CATALOGUE
from gridstream.contracts.schema_export import export_schemas


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the `contracts` and `areas` commands."""
    contracts = subparsers.add_parser("contracts", help="work with the message contracts")
    actions = contracts.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write the JSON Schema of every model")
    export.add_argument("--out", type=Path, required=True, help="directory to write into")
    export.set_defaults(handler=_export)

    areas = subparsers.add_parser("areas", help="list the known ENTSO-E areas")
    areas.set_defaults(handler=_areas)
    types = subparsers.add_parser("datatypes", help="list the data type catalogue")
    types.set_defaults(handler=_datatypes)


def _export(args: argparse.Namespace) -> int:
    written = export_schemas(args.out)
    print(f"wrote {len(written)} schemas to {args.out}")
    return 0


def _areas(_: argparse.Namespace) -> int:
    for area in AREAS.values():
        roles = ",".join(sorted(area.roles))
        print(f"{area.code:<12} {area.eic:<18} {roles:<8} {area.tz:<18} {area.name}")
    return 0


def _datatypes(_: argparse.Namespace) -> int:
    for spec in CATALOGUE.values():
        process = spec.process_type or "-"
        print(
            f"{spec.data_type:<32} {spec.document_type}/{process:<4} {spec.unit:<8} "
            f"{spec.horizon:<9} max {spec.max_window:<4} {spec.title}"
        )
    return 0
