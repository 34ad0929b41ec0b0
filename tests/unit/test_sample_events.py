"""events/ has a sample for every route of template.yaml (for `sam local invoke`), and each names its own route."""

from __future__ import annotations

import json
from pathlib import Path

from devstack.functions import api_routes, function_specs
from devstack.resources import placeholder_resources
from devstack.template import load_template

EVENTS = Path(__file__).resolve().parents[2] / "events"


def test_every_api_route_has_a_sample_event_that_names_it():
    template = load_template()
    routes = {
        (r.method, r.path) for r in api_routes(function_specs(template, placeholder_resources(template).resolver))
    }
    sampled = {
        (e["httpMethod"], e["resource"])
        for e in (json.loads(p.read_text("utf-8")) for p in EVENTS.glob("*.json"))
        if "httpMethod" in e
    }

    assert routes == sampled, "run: python scripts/make_sample_events.py"
