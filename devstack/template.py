"""Reading template.yaml: CloudFormation's short-form tags, and resolving intrinsics against local resources."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"


@dataclass(frozen=True)
class Intrinsic:
    """A CloudFormation function such as !Ref or !GetAtt, kept unresolved until local resources exist."""

    name: str
    value: Any


class _Loader(yaml.SafeLoader):
    pass


def _tag_constructor(name: str):
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> Intrinsic:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if name == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            assert isinstance(node, yaml.MappingNode)  # YAML has no fourth kind of node
            value = loader.construct_mapping(node, deep=True)
        return Intrinsic(name, value)

    return construct


for _name in (
    "Ref",
    "GetAtt",
    "Sub",
    "If",
    "Equals",
    "Not",
    "And",
    "Or",
    "Join",
    "Select",
    "Split",
    "FindInMap",
    "ImportValue",
    "GetAZs",
    "Base64",
    "Condition",
):
    _Loader.add_constructor(f"!{_name}", _tag_constructor(_name))


@functools.cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_Loader)


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == resource_type}


class Resolver:
    """Resolves intrinsics with the values the local resources got (Ref and GetAtt) and the parameters' defaults."""

    def __init__(
        self,
        template: dict[str, Any],
        refs: dict[str, str],
        attributes: dict[tuple[str, str], str],
        parameters: dict[str, str] | None = None,
    ):
        self.template = template
        self.refs = dict(refs)
        self.attributes = dict(attributes)
        self.parameters = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}
        self.parameters.update(parameters or {})
        self.pseudo = {
            "AWS::Region": "ap-northeast-1",
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::StackName": "onecard-local",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template.get("Conditions", {})[name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, Intrinsic):
            return self._intrinsic(value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def ref(self, name: str) -> str:
        if name in self.parameters:
            return self.parameters[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.refs:
            return self.refs[name]
        raise KeyError(f"!Ref {name}: no such local resource or parameter")

    def _intrinsic(self, node: Intrinsic) -> Any:
        value = node.value
        if node.name == "Ref":
            return self.ref(value)
        if node.name == "GetAtt":
            resource, attribute = value if isinstance(value, list) else value.split(".", 1)
            return self.attributes[(resource, attribute)]
        if node.name == "Sub":
            text, extra = (value, {}) if isinstance(value, str) else (value[0], self.resolve(value[1]))
            return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub_variable(m.group(1), extra), text)
        if node.name == "If":
            name, when_true, when_false = value
            return self.resolve(when_true if self.condition(name) else when_false)
        if node.name == "Equals":
            left, right = self.resolve(value)
            return str(left) == str(right)
        if node.name == "Not":
            return not self.resolve(value[0])
        if node.name == "And":
            return all(self.resolve(v) for v in value)
        if node.name == "Or":
            return any(self.resolve(v) for v in value)
        if node.name == "Join":
            separator, items = value
            return separator.join(str(i) for i in self.resolve(items))
        if node.name == "Condition":
            return self.condition(value)
        raise NotImplementedError(f"!{node.name} is not supported by the local stack")

    def _sub_variable(self, name: str, extra: dict[str, Any]) -> str:
        if name in extra:
            return str(extra[name])
        if "." in name:
            resource, attribute = name.split(".", 1)
            return str(self.attributes[(resource, attribute)])
        return str(self.ref(name))
