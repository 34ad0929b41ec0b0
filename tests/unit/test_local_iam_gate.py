"""The local gateway's stand-in for SigV4 on AWS_IAM routes: the operator token, and nothing else."""

from __future__ import annotations

from devstack.api_gateway import LOCAL_OPERATOR_IDENTITY, iam_caller
from devstack.functions import ApiRoute, api_routes, function_specs
from devstack.resources import placeholder_resources
from devstack.template import load_template

STAFF_ROUTE = ApiRoute("StaffFunction", "GET", "/v1/staff/reviews", "AWS_IAM")
PUBLIC_ROUTE = ApiRoute("RegisterFunction", "GET", "/v1/health")


def test_an_iam_route_lets_only_the_operator_token_through_and_names_the_caller():
    assert iam_caller(STAFF_ROUTE, [("Authorization", "Bearer op-token")], "op-token") == LOCAL_OPERATOR_IDENTITY
    assert iam_caller(STAFF_ROUTE, [("authorization", "bearer op-token")], "op-token") == LOCAL_OPERATOR_IDENTITY
    for headers in ([], [("Authorization", "Bearer other")], [("Authorization", "op-token")],
                    [("Authorization", "Bearer ")], [("Cookie", "onecard_session=op-token")]):
        assert iam_caller(STAFF_ROUTE, headers, "op-token") is None, headers
    assert iam_caller(STAFF_ROUTE, [("Authorization", "Bearer ")], "") is None


def test_a_route_without_iam_auth_needs_no_token_and_gets_no_caller():
    assert iam_caller(PUBLIC_ROUTE, [], "op-token") == {}


def test_exactly_the_staff_routes_of_the_template_carry_iam_auth():
    template = load_template()
    routes = api_routes(function_specs(template, placeholder_resources(template).resolver))

    assert {r.path for r in routes if r.authorizer == "AWS_IAM"} == {r.path for r in routes
                                                                     if r.path.startswith("/v1/staff/")}
    assert {r.function for r in routes if r.authorizer == "AWS_IAM"} == {"StaffFunction"}
