"""The local stack reads template.yaml: intrinsics resolve and routes match as API Gateway would match them."""

from __future__ import annotations

from devstack.api_gateway import compile_routes, match
from devstack.functions import ApiRoute, api_routes, function_specs
from devstack.resources import placeholder_resources
from devstack.template import Intrinsic, Resolver, load_template


def test_every_function_and_route_comes_from_the_template():
    template = load_template()
    specs = function_specs(template, placeholder_resources(template).resolver)
    routes = {(r.method, r.path) for r in api_routes(specs)}

    assert ("POST", "/v1/readers") in routes and ("GET", "/v1/health") in routes
    assert specs["RegisterFunction"].environment["READERS_TABLE"] == "local-ReadersTable"


def test_intrinsics_resolve_refs_attributes_subs_and_conditions():
    template = {
        "Parameters": {"Stage": {"Default": "dev"}},
        "Conditions": {"IsProd": Intrinsic("Equals", [Intrinsic("Ref", "Stage"), "prod"])},
    }
    resolver = Resolver(template, {"Queue": "url"}, {("Queue", "Arn"): "arn:q"})

    assert resolver.resolve(Intrinsic("Sub", "${Queue}/${Queue.Arn}/${Stage}")) == "url/arn:q/dev"
    assert resolver.resolve(Intrinsic("If", ["IsProd", 1, 2])) == 2
    assert resolver.resolve({"a": [Intrinsic("GetAtt", ["Queue", "Arn"])]}) == {"a": ["arn:q"]}


def test_literal_path_segments_win_over_path_parameters():
    routes = compile_routes(
        [ApiRoute("f", "GET", "/v1/readers/{reader_id}"), ApiRoute("g", "GET", "/v1/readers/availability")]
    )

    found, _, _ = match(routes, "GET", "/v1/readers/availability")
    by_id, parameters, _ = match(routes, "GET", "/v1/readers/R123")

    assert found is not None and found.route.function == "g"
    assert by_id is not None and by_id.route.function == "f" and parameters == {"reader_id": "R123"}


def test_a_known_path_with_another_method_is_reported_as_such():
    routes = compile_routes([ApiRoute("f", "POST", "/v1/readers")])

    found, _, path_exists = match(routes, "GET", "/v1/readers")

    assert found is None and path_exists


def test_every_get_route_of_the_template_answers_head_through_the_same_function():
    template = load_template()
    routes = api_routes(function_specs(template, placeholder_resources(template).resolver))

    twins = {(r.path, r.function, r.authorizer) for r in routes if r.method == "HEAD"}
    gets = {(r.path, r.function, r.authorizer) for r in routes if r.method == "GET"}
    assert gets and twins == gets
