"""`gridstream series`, `points` and `latest`: the collector's read API from the command line."""

import argparse
import csv
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from gridstream.cli.errors import CliError
from gridstream.cli.service_api import (
    ServiceClient,
    ServiceCommand,
    service_command,
    url_variable,
)

_COLLECTOR = "collector"


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add the `series`, `points` and `latest` commands."""
    where = f"the collector at {url_variable(_COLLECTOR)} (default: the one `gridstream up` runs)"
    series = subparsers.add_parser(
        "series", help="list the stored series", description=f"List the series {where} stores."
    )
    series.add_argument("--area", help="only this area (code or EIC)")
    series.add_argument("--data-type", help="only this data type")
    series.set_defaults(handler=_runner(_series))

    points = subparsers.add_parser(
        "points",
        help="print the points of one series",
        description=f"Print the points of one series in [--start, --end) from {where}.",
    )
    points.add_argument("area", metavar="AREA", help="area code or EIC")
    points.add_argument("data_type", metavar="DATA_TYPE", help="data type")
    points.add_argument("--qualifier", default="", help="series qualifier (default: none)")
    points.add_argument("--start", required=True, help="start, ISO 8601 with timezone")
    points.add_argument("--end", required=True, help="end (exclusive), ISO 8601 with timezone")
    points.add_argument("--as-of", help="the values as they were known at this instant")
    points.add_argument("--csv", action="store_true", help="CSV with a header line")
    points.add_argument("--page-size", help="points per request (default: the collector's, 10,000)")
    points.set_defaults(handler=_runner(_points))

    latest = subparsers.add_parser(
        "latest", help="the newest point of every series", description=f"Ask {where}."
    )
    latest.set_defaults(handler=_runner(_latest))


def _runner(command: ServiceCommand) -> Callable[[argparse.Namespace], int]:
    return service_command(_COLLECTOR, command)


def _family_params(area: str | None, data_type: str | None) -> dict[str, str]:
    params = {"area": area} if area else {}
    if data_type:
        # Users type `Day-Ahead-Price` as readily as `day_ahead_price`.
        params["data_type"] = data_type.strip().lower().replace("-", "_")
    return params


def _series(client: ServiceClient, args: argparse.Namespace, out: TextIO) -> None:
    for row in client.get("/v1/series", _family_params(args.area, args.data_type)):
        qualifier = row["qualifier"] or "-"
        out.write(
            f"{row['id']:>6}  {row['area']:<12} {row['data_type']:<32} {qualifier:<10} "
            f"{row['unit']}\n"
        )


def _points(client: ServiceClient, args: argparse.Namespace, out: TextIO) -> None:
    found = [
        row
        for row in client.get("/v1/series", _family_params(args.area, args.data_type))
        if row["qualifier"] == args.qualifier
    ]
    if not found:
        qualifier = f" (qualifier {args.qualifier!r})" if args.qualifier else ""
        raise CliError(
            f"no series {args.area} {args.data_type}{qualifier} is stored (see `gridstream series`)"
        )
    params = {"start": args.start, "end": args.end}
    params |= {"as_of": args.as_of} if args.as_of else {}
    params |= {"limit": args.page_size} if args.page_size else {}
    writer = csv.writer(out, lineterminator="\n") if args.csv else None
    if writer is not None:
        writer.writerow(["ts", "value", "resolution"])
    for ts, value, resolution in _pages(client, f"/v1/series/{found[0]['id']}/points", params):
        if writer is not None:
            writer.writerow([ts, "" if value is None else repr(value), resolution])
        else:
            out.write(f"{ts}  {'-' if value is None else repr(value)}  {resolution}\n")


def _pages(client: ServiceClient, path: str, params: dict[str, str]) -> Iterator[list[Any]]:
    """Every point of the query, page after page (following `next_after`)."""
    after: str | None = None
    while True:
        page = client.get(path, params | ({"after": after} if after else {}))
        yield from page["points"]
        after = page["next_after"]
        if after is None:
            return


def _latest(client: ServiceClient, _: argparse.Namespace, out: TextIO) -> None:
    for row in client.get("/v1/latest"):
        key = row["series"]
        value = "-" if row["value"] is None else repr(row["value"])
        out.write(
            f"{key['area']:<12} {key['data_type']:<32} {key['qualifier'] or '-':<10} "
            f"{row['ts']}  {value}  {row['unit']}  age {_age(row['age_seconds'])}\n"
        )


def _age(seconds: float) -> str:
    """``3d4h``, ``2h5m``, ``40s``; forecasts have a negative age (``in 5h``)."""
    ahead, left = seconds < 0, int(abs(seconds))
    days, hours, minutes = left // 86400, left % 86400 // 3600, left % 3600 // 60
    if days:
        text = f"{days}d{hours}h"
    elif hours:
        text = f"{hours}h{minutes}m"
    else:
        text = f"{minutes}m" if minutes else f"{left}s"
    return f"in {text}" if ahead else text
