"""template.yaml's functions run in this process: their handlers, environments and events, as Lambda would."""

from __future__ import annotations

import importlib.util
import itertools
import os
import queue
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack import per_thread_log_keys, per_thread_requests
from devstack.template import ROOT, Resolver, resources_of_type

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class ApiRoute:
    function: str
    method: str
    path: str
    authorizer: str | None = None


@dataclass
class FunctionSpec:
    name: str
    code_uri: Path
    handler: str
    timeout: int
    environment: dict[str, str]
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    reserved_concurrency: int | None = None

    def events_of_type(self, event_type: str) -> dict[str, dict[str, Any]]:
        return {n: e.get("Properties", {}) for n, e in self.events.items() if e.get("Type") == event_type}


def function_specs(template: dict[str, Any], resolver: Resolver) -> dict[str, FunctionSpec]:
    globals_ = template.get("Globals", {}).get("Function", {})
    global_env = resolver.resolve(globals_.get("Environment", {}).get("Variables", {}))
    specs = {}
    for name, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        props = resource["Properties"]
        env = {**global_env, **resolver.resolve(props.get("Environment", {}).get("Variables", {}))}
        specs[name] = FunctionSpec(
            name=name,
            code_uri=ROOT / props.get("CodeUri", globals_.get("CodeUri", ".")),
            handler=props.get("Handler", globals_.get("Handler")),
            timeout=int(props.get("Timeout", globals_.get("Timeout", 3))),
            environment={k: str(v) for k, v in env.items()},
            events=props.get("Events", {}) or {},
            reserved_concurrency=_reserved_concurrency(resolver, props),
        )
    return specs


def _reserved_concurrency(resolver: Resolver, props: dict[str, Any]) -> int | None:
    value = resolver.resolve(props.get("ReservedConcurrentExecutions"))
    return int(value) if value not in (None, "") else None


def api_routes(specs: dict[str, FunctionSpec]) -> list[ApiRoute]:
    return [
        ApiRoute(spec.name, str(e["Method"]).upper(), e["Path"], (e.get("Auth") or {}).get("Authorizer"))
        for spec in specs.values()
        for e in spec.events_of_type("Api").values()
    ]


def merged_environment(specs: dict[str, FunctionSpec]) -> dict[str, str]:
    """One process holds every function, so their variables share os.environ: a clash would be a silent bug."""
    merged: dict[str, str] = {}
    for spec in specs.values():
        for key, value in spec.environment.items():
            if key in merged and merged[key] != value:
                raise ValueError(
                    f"{key} differs between functions ({merged[key]!r} vs {value!r}); "
                    "the local stack runs them in one process and needs one value"
                )
            merged[key] = value
    return merged


class LambdaContext:
    """The parts of Lambda's context object that handlers and Powertools read."""

    def __init__(self, spec: FunctionSpec):
        self.function_name = spec.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:ap-northeast-1:123456789012:function:{spec.name}"
        self.memory_limit_in_mb = 1024
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.name}"
        self.log_stream_name = "local"
        self._timeout_ms = spec.timeout * 1000

    def get_remaining_time_in_millis(self) -> int:
        return self._timeout_ms


_module_counter = itertools.count()


# Python detects a "deadlock" when two threads import the same packages in different orders for the first time;
# Lambda never meets it (one process per container, imports before any event), so the local stack loads modules
# one at a time.
_loading = threading.Lock()


def _load_handler(spec: FunctionSpec) -> Handler:
    """A fresh copy of the handler's module: one per simulated container, so each keeps its own resolver state."""
    return getattr(load_module(spec), spec.handler.rsplit(".", 1)[1])


def load_module(spec: FunctionSpec) -> Any:
    # Containers run side by side in this process, each with its own request and its own log keys.
    per_thread_requests.install()
    per_thread_log_keys.install()
    module_path = spec.handler.rsplit(".", 1)[0]
    code_root = str(spec.code_uri)
    if code_root not in sys.path:
        sys.path.insert(0, code_root)
    file = spec.code_uri / (module_path.replace(".", "/") + ".py")
    unique = f"_container_{next(_module_counter)}_{module_path.replace('.', '_')}"
    module_spec = importlib.util.spec_from_file_location(unique, file)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"no loader for {file}")
    module = importlib.util.module_from_spec(module_spec)
    module.__package__ = module_path.rsplit(".", 1)[0] if "." in module_path else ""
    with _loading:
        module_spec.loader.exec_module(module)
    return module


class FunctionPool:
    """Up to ``size`` warm containers of one function; a request waits for a free one, as Lambda would scale."""

    def __init__(self, spec: FunctionSpec, size: int = 4):
        self.spec = spec
        self._idle: queue.LifoQueue[Handler] = queue.LifoQueue()
        self._created = 0
        self._size = size
        self._create_lock = threading.Lock()

    def warm(self) -> None:
        """One container ready before any event, as Lambda's init phase would have it."""
        self._idle.put(self._acquire())

    def invoke(self, event: dict[str, Any]) -> Any:
        handler = self._acquire()
        try:
            return handler(event, LambdaContext(self.spec))
        finally:
            self._idle.put(handler)

    def _acquire(self) -> Handler:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._create_lock:
            if self._created < self._size:
                self._created += 1
                return _load_handler(self.spec)
        return self._idle.get()


def prepare_process_environment(specs: dict[str, FunctionSpec]) -> None:
    os.environ.update(merged_environment(specs))
