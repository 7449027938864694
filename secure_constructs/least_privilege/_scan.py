"""Every AWS SDK call of a Python handler, found statically with ``ast`` (the code is never imported or run).

The analysis is an abstract interpretation over a few value kinds: the boto3 module and its factories,
sessions, clients, the resource API (service resources, resources, collections), paginators, waiters, the
batch writer, environment variable reads and string literals. It follows module-level names, imports
between the handler's own modules, helper functions (with their arguments) and ``self.<attr>`` of the
handler's classes. Every branch counts (a call on any code path is a call). Calls it cannot pin down are
reported with the reason, never guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from . import _iam, _models

#: Request parameters that name the resource a call acts on, in order of preference.
IDENTIFIER_PARAMS = (
    "TableName",
    "Bucket",
    "QueueUrl",
    "TopicArn",
    "TargetArn",
    "SecretId",
    "SecretIdList",
    "Name",
    "Names",
    "Path",
    "KeyId",
    "FunctionName",
    "StateMachineArn",
    "StreamName",
    "StreamARN",
    "DeliveryStreamName",
    "EventBusName",
    "LogGroupName",
    "RequestItems",
)
_MANAGED_ARGS = {  # boto3's injected S3 transfer methods: position of Bucket in the client's signature
    "upload_file": 1,
    "upload_fileobj": 1,
    "download_file": 0,
    "download_fileobj": 0,
    "copy": 1,
}
_COLLECTION_METHODS = frozenset({"all", "filter", "limit", "page_size", "pages"})
_CLIENT_HELPERS = frozenset({"can_paginate", "close", "get_waiter", "get_paginator", "exceptions", "meta"})
_MAX_DEPTH = 6
_TRANSACT_ITEM = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


# --- results -------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class SdkCall:
    """One SDK call and what it needs.

    ``env`` is the environment variable the resource's name or ARN is read from; ``name`` the literal
    name or ARN when the code spells it out; both None when the call names no resource (``reason`` then
    says why, unless the action takes no resource at all). ``index`` is a DynamoDB index (literal name,
    or ``$NAME`` for an environment variable).
    """

    file: str
    line: int
    service: str
    operation: str
    actions: tuple[str, ...]
    env: str | None = None
    name: str | None = None
    index: str | None = None
    reason: str | None = None

    @property
    def key(self) -> str | None:
        """What ``resources={KEY: construct}`` or an environment variable binds: env name or literal."""
        return self.env if self.env is not None else self.name


@dataclass(frozen=True, order=True)
class UnresolvedCall:
    """A call that is (or may be) an SDK call whose operation could not be determined."""

    file: str
    line: int
    reason: str


# --- abstract values -----------------------------------------------------------------------------------


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True)
class Binding:
    env: str | None = None
    name: str | None = None


_NO_BINDING = Binding()


@dataclass(frozen=True)
class Env:
    name: str


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Boto3Module:
    sub: str = ""  # "" (boto3), "session" (boto3.session), "botocore", "botocore.session"


@dataclass(frozen=True)
class Factory:
    kind: str  # client | resource | Session | get_session


@dataclass(frozen=True)
class Session:
    pass


@dataclass(frozen=True)
class Client:
    service: str | None
    why: str = ""


@dataclass(frozen=True)
class Meta:
    service: str


@dataclass(frozen=True)
class ServiceResource:
    service: str


@dataclass(frozen=True)
class Resource:
    service: str
    rtype: str
    binding: Binding


@dataclass(frozen=True)
class Collection:
    service: str
    member: str | None
    operation: str
    binding: Binding


@dataclass(frozen=True)
class Paginator:
    service: str
    operation: str


@dataclass(frozen=True)
class Waiter:
    service: str
    operation: str


@dataclass(frozen=True)
class BatchWriter:
    binding: Binding


@dataclass(frozen=True)
class Method:
    receiver: Any
    name: str | None  # None: a name computed at run time (getattr with a variable)


@dataclass(frozen=True)
class OsModule:
    pass


@dataclass(frozen=True)
class Environ:
    pass


@dataclass(frozen=True)
class Builtin:
    name: str  # getenv | getattr


@dataclass(frozen=True)
class ModuleRef:
    name: str


@dataclass(frozen=True)
class DictValue:
    items: tuple[tuple[Any, Any], ...]

    def get(self, key: str) -> Any:
        for k, v in self.items:
            if k == Str(key):
                return v
        return UNKNOWN


@dataclass(frozen=True)
class ListValue:
    items: tuple[Any, ...]


@dataclass(eq=False)
class ClassInfo:
    module: _Module
    node: ast.ClassDef
    scope: _Scope
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Instance:
    cls: ClassInfo


@dataclass(frozen=True, eq=False)
class Function:
    module: _Module
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: _Scope
    self_value: Any = None


_SDK_VALUES = (Client, ServiceResource, Resource, Collection, Paginator, Waiter, BatchWriter, Session)


# --- modules and scopes --------------------------------------------------------------------------------


@dataclass(eq=False)
class _Module:
    name: str
    path: str
    tree: ast.Module
    scope: _Scope | None = None
    done: bool = False


class _Scope:
    def __init__(self, module: _Module, parent: _Scope | None = None) -> None:
        self.module = module
        self.parent = parent
        self.vars: dict[str, Any] = {}
        self.global_names: set[str] = set()

    def lookup(self, name: str) -> Any:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            scope = scope.parent
        return {"getattr": Builtin("getattr")}.get(name, UNKNOWN)

    def assign(self, name: str, value: Any) -> None:
        target = self
        if name in self.global_names:
            while target.parent is not None:
                target = target.parent
        target.vars[name] = value


def module_name(relative: str) -> str:
    parts = relative[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


# --- the analysis ---------------------------------------------------------------------------------------


class Analyzer:
    """Analyse ``{relative path: source}`` (the handler's own modules)."""

    def __init__(self, sources: dict[str, str]) -> None:
        self.modules: dict[str, _Module] = {}
        self.calls: set[SdkCall] = set()
        self.unresolved: set[UnresolvedCall] = set()
        self._recording = False
        self._stack: list[Any] = []
        self._paths: list[str] = []  # the file of the code being analysed (innermost last)
        self._memo: dict[Any, Any] = {}
        for relative, text in sorted(sources.items()):
            try:
                tree = ast.parse(text, filename=relative)
            except SyntaxError as error:
                self.unresolved.add(
                    UnresolvedCall(relative, error.lineno or 0, f"the module does not parse ({error.msg})")
                )
                continue
            except RecursionError:
                self.unresolved.add(UnresolvedCall(relative, 0, "nested too deeply to follow"))
                continue
            self.modules[module_name(relative)] = _Module(module_name(relative), relative, tree)

    def run(self) -> tuple[list[SdkCall], list[UnresolvedCall]]:
        # Pass 1 settles module-level names assigned from functions (``global`` lazy initialisation);
        # pass 2 records.
        for recording in (False, True):
            self._recording = recording
            self._memo = {}
            for module in self.modules.values():
                module.scope, module.done = None, False
            for module in list(self.modules.values()):
                self._guarded(module, lambda m: self._module_scope(m))
            for module in list(self.modules.values()):
                self._guarded(module, lambda m: self._analyze_defs(m.tree.body, self._module_scope(m)))
        return sorted(self.calls), sorted(self.unresolved)

    def _guarded(self, module: _Module, step: Callable[[_Module], object]) -> None:
        """Run ``step`` on ``module``; code nested deeper than the interpreter can follow is named as
        unresolved (and so reported), never skipped in silence."""
        try:
            step(module)
        except RecursionError:
            module.done = True
            if self._recording:
                self.unresolved.add(UnresolvedCall(module.path, 0, "nested too deeply to follow"))

    # --- modules ---

    def _module_scope(self, module: _Module) -> _Scope:
        if module.scope is None:
            module.scope = _Scope(module)
            self._paths.append(module.path)
            try:
                self._exec(module.tree.body, module.scope, [])
            finally:
                self._paths.pop()
            module.done = True
        return module.scope

    def _find_module(self, name: str) -> _Module | None:
        return self.modules.get(name)

    def _resolve_relative(self, scope: _Scope, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        module = scope.module
        package = (
            module.name.split(".") if module.path.endswith("__init__.py") else module.name.split(".")[:-1]
        )
        if node.level > 1:
            package = package[: len(package) - (node.level - 1)]
        return ".".join([*package, *([node.module] if node.module else [])])

    def _import(self, node: ast.Import | ast.ImportFrom, scope: _Scope) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.split(".")[0]
                if alias.asname:
                    scope.assign(alias.asname, self._module_value(alias.name))
                else:
                    scope.assign(top, self._module_value(top))
            return
        source = self._resolve_relative(scope, node)
        for alias in node.names:
            bound = alias.asname or alias.name
            if alias.name == "*":
                found = self._find_module(source)
                if found is not None:
                    for key, value in self._module_scope(found).vars.items():
                        scope.assign(key, value)
                continue
            sub = f"{source}.{alias.name}" if source else alias.name
            if self._find_module(sub) is not None:
                scope.assign(bound, ModuleRef(sub))
            else:
                scope.assign(bound, self._attr(self._module_value(source), alias.name, node))

    def _module_value(self, name: str) -> Any:
        if name == "boto3":
            return Boto3Module("")
        if name == "boto3.session":
            return Boto3Module("session")
        if name == "botocore":
            return Boto3Module("botocore")
        if name == "botocore.session":
            return Boto3Module("botocore.session")
        if name == "os":
            return OsModule()
        if self._find_module(name) is not None:
            return ModuleRef(name)
        return UNKNOWN

    # --- statements ---

    def _analyze_defs(self, body: list[ast.stmt], scope: _Scope, self_value: Any = None) -> None:
        """Analyse every function and method of a module as an entry point (parameters unknown)."""
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._call_function(Function(scope.module, node, scope, self_value), [], {}, node)
            elif isinstance(node, ast.ClassDef):
                info = scope.vars.get(node.name)
                if not isinstance(info, ClassInfo):
                    continue
                methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
                methods.sort(key=lambda n: n.name != "__init__")  # __init__ first: it sets the attributes
                for method in methods:
                    self._call_function(
                        Function(scope.module, method, info.scope, Instance(info)), [], {}, method
                    )

    def _exec(self, body: list[ast.stmt], scope: _Scope, returns: list[Any]) -> None:
        for node in body:
            self._stmt(node, scope, returns)

    def _stmt(self, node: ast.stmt, scope: _Scope, returns: list[Any]) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            self._import(node, scope)
        elif isinstance(node, ast.Assign):
            value = self._eval(node.value, scope)
            for target in node.targets:
                self._bind(target, value, scope)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            value = self._eval(node.value, scope) if node.value is not None else UNKNOWN
            if isinstance(node, ast.AnnAssign) and node.value is not None:
                self._bind(node.target, value, scope)
        elif isinstance(node, ast.Expr):
            self._eval(node.value, scope)
        elif isinstance(node, ast.Return):
            returns.append(self._eval(node.value, scope) if node.value is not None else UNKNOWN)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            scope.global_names.update(node.names if isinstance(node, ast.Global) else ())
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = Function(scope.module, node, scope)
            scope.assign(node.name, function)
            for decorator in node.decorator_list:
                self._eval(decorator, scope)
            if scope.parent is not None:  # a nested function: analyse it where it is defined
                self._call_function(function, [], {}, node)
        elif isinstance(node, ast.ClassDef):
            class_scope = _Scope(scope.module, scope)
            info = ClassInfo(scope.module, node, class_scope)
            scope.assign(node.name, info)
            self._exec(node.body, class_scope, [])
        elif isinstance(node, ast.For | ast.AsyncFor):
            self._bind(node.target, self._iterate(self._eval(node.iter, scope), node.iter), scope)
            self._exec(node.body, scope, returns)
            self._exec(node.orelse, scope, returns)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                value = self._eval(item.context_expr, scope)
                if item.optional_vars is not None:
                    self._bind(item.optional_vars, value, scope)
            self._exec(node.body, scope, returns)
        elif isinstance(node, ast.If | ast.While):
            self._eval(node.test, scope)
            self._exec(node.body, scope, returns)
            self._exec(node.orelse, scope, returns)
        elif isinstance(node, ast.Try | ast.TryStar):
            self._exec(node.body, scope, returns)
            for handler in node.handlers:
                if handler.type is not None:
                    self._eval(handler.type, scope)
                self._exec(handler.body, scope, returns)
            self._exec(node.orelse, scope, returns)
            self._exec(node.finalbody, scope, returns)
        elif isinstance(node, ast.Match):
            self._eval(node.subject, scope)
            for case in node.cases:
                if case.guard is not None:
                    self._eval(case.guard, scope)
                self._exec(case.body, scope, returns)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self._eval(child, scope)

    def _bind(self, target: ast.expr, value: Any, scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            scope.assign(target.id, value)
        elif isinstance(target, ast.Attribute):
            owner = self._eval(target.value, scope)
            if isinstance(owner, Instance):
                owner.cls.attrs[target.attr] = value
        elif isinstance(target, ast.Tuple | ast.List):
            items = value.items if isinstance(value, ListValue) else ()
            for i, element in enumerate(target.elts):
                self._bind(element, items[i] if len(items) == len(target.elts) else UNKNOWN, scope)
        elif isinstance(target, ast.Subscript):
            self._eval(target.value, scope)
            self._eval(target.slice, scope)

    # --- expressions ---

    def _eval(self, node: ast.expr | None, scope: _Scope) -> Any:
        if node is None:
            return UNKNOWN
        if isinstance(node, ast.Constant):
            return Str(node.value) if isinstance(node.value, str) else UNKNOWN
        if isinstance(node, ast.Name):
            return scope.lookup(node.id)
        if isinstance(node, ast.Attribute):
            return self._attr(self._eval(node.value, scope), node.attr, node)
        if isinstance(node, ast.Call):
            return self._call(node, scope)
        if isinstance(node, ast.Subscript):
            base = self._eval(node.value, scope)
            key = self._eval(node.slice, scope)
            if isinstance(base, Environ) and isinstance(key, Str):
                return Env(key.value)
            if isinstance(base, DictValue) and isinstance(key, Str):
                return base.get(key.value)
            return UNKNOWN
        if isinstance(node, ast.Dict):
            keys = [self._eval(k, scope) if k is not None else UNKNOWN for k in node.keys]
            values = [self._eval(v, scope) for v in node.values]
            return DictValue(tuple(zip(keys, values, strict=True)))
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return ListValue(tuple(self._eval(e, scope) for e in node.elts))
        if isinstance(node, ast.JoinedStr) or (
            isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod)
        ):
            # A name or ARN built around one environment variable still names that variable's resource.
            parts = [self._eval(v, scope) for v in _string_parts(node)]
            envs = {p for p in parts if isinstance(p, Env)}
            if len(envs) == 1 and all(isinstance(p, Env | Str) for p in parts):
                return next(iter(envs))
            return UNKNOWN
        if isinstance(node, ast.FormattedValue):
            return self._eval(node.value, scope)
        if isinstance(node, ast.BoolOp):
            values = [self._eval(v, scope) for v in node.values]
            return next((v for v in values if v is not UNKNOWN and not isinstance(v, Str)), values[0])
        if isinstance(node, ast.IfExp):
            self._eval(node.test, scope)
            body, orelse = self._eval(node.body, scope), self._eval(node.orelse, scope)
            return body if body is not UNKNOWN else orelse
        if isinstance(node, ast.NamedExpr):
            value = self._eval(node.value, scope)
            self._bind(node.target, value, scope)
            return value
        if isinstance(node, ast.Await):
            return self._eval(node.value, scope)
        if isinstance(node, ast.Lambda):
            return Function(scope.module, node, scope)
        if isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
            inner = _Scope(scope.module, scope)
            for generator in node.generators:
                iterable = self._eval(generator.iter, inner)
                self._bind(generator.target, self._iterate(iterable, generator.iter), inner)
                for condition in generator.ifs:
                    self._eval(condition, inner)
            if isinstance(node, ast.DictComp):
                self._eval(node.key, inner)
                self._eval(node.value, inner)
            else:
                self._eval(node.elt, inner)
            return UNKNOWN
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self._eval(child, scope)
        return UNKNOWN

    def _iterate(self, value: Any, node: ast.AST) -> Any:
        """What iterating over ``value`` yields (the resources of a collection, and the list call)."""
        if isinstance(value, Collection):
            self._record(value.service, value.operation, node, [value.binding])
            if value.member is not None:
                return Resource(value.service, value.member, value.binding)
        if isinstance(value, ListValue) and value.items:
            return value.items[0] if all(v == value.items[0] for v in value.items) else UNKNOWN
        return UNKNOWN

    # --- attributes ---

    def _attr(self, base: Any, attr: str, node: ast.AST) -> Any:
        if isinstance(base, Boto3Module):
            if base.sub == "" and attr in ("client", "resource", "Session"):
                return Factory(attr)
            if base.sub == "" and attr == "session":
                return Boto3Module("session")
            if base.sub == "session" and attr == "Session":
                return Factory("Session")
            if base.sub == "botocore" and attr == "session":
                return Boto3Module("botocore.session")
            if base.sub == "botocore.session" and attr in ("get_session", "Session"):
                return Factory("get_session")
            return UNKNOWN
        if isinstance(base, OsModule):
            return {"environ": Environ(), "getenv": Builtin("getenv")}.get(attr, UNKNOWN)
        if isinstance(base, ModuleRef):
            sub = f"{base.name}.{attr}"
            if self._find_module(sub) is not None:
                return ModuleRef(sub)
            module = self._find_module(base.name)
            if module is None:
                return UNKNOWN
            if not module.done and module.scope is not None:
                return module.scope.vars.get(attr, UNKNOWN)  # an import cycle: what is known so far
            return self._module_scope(module).vars.get(attr, UNKNOWN)
        if isinstance(base, Meta):
            return Client(base.service) if attr == "client" else UNKNOWN
        if isinstance(base, Client):
            if attr == "meta" and base.service is not None:
                return UNKNOWN
            if attr == "exceptions":
                return UNKNOWN
            return Method(base, attr)
        if isinstance(base, ServiceResource | Resource):
            if attr == "meta":
                return Meta(base.service)
            collection = self._collection(base, attr)
            if collection is not None:
                return collection
            if isinstance(base, Resource) and self._loads(base, attr):
                load = _resource_def(base.service, base.rtype).get("load", {})
                operation = load.get("request", {}).get("operation")
                if operation:
                    self._record(base.service, operation, node, [base.binding])
                return UNKNOWN
            return Method(base, attr)
        if isinstance(base, Instance):
            if attr in base.cls.attrs:
                return base.cls.attrs[attr]
            found = base.cls.scope.vars.get(attr)
            if isinstance(found, Function):
                return Function(found.module, found.node, found.scope, base)
            return found if found is not None else UNKNOWN
        if isinstance(base, ClassInfo):
            return base.scope.vars.get(attr, UNKNOWN)
        if isinstance(base, Environ):
            return Method(base, attr)
        if isinstance(base, Collection | Paginator | Waiter | BatchWriter | Session):
            return Method(base, attr)
        return UNKNOWN

    def _collection(self, base: ServiceResource | Resource, attr: str) -> Collection | None:
        definition = (
            _service_def(base.service)
            if isinstance(base, ServiceResource)
            else _resource_def(base.service, base.rtype)
        )
        for name, spec in definition.get("hasMany", {}).items():
            if _models.xform_name(name) == attr:
                operation = spec.get("request", {}).get("operation", "")
                member = spec.get("resource", {}).get("type")
                binding = base.binding if isinstance(base, Resource) else _NO_BINDING
                return Collection(base.service, member, operation, binding)
        return None

    def _loads(self, resource: Resource, attr: str) -> bool:
        """True when reading ``attr`` makes boto3 load the resource (a shape attribute, not an identifier)."""
        definition = _resource_def(resource.service, resource.rtype)
        identifiers = {_models.xform_name(i["name"]) for i in definition.get("identifiers", [])}
        if attr in identifiers or "load" not in definition or "shape" not in definition:
            return False
        shape = _models.service_model(resource.service).get("shapes", {}).get(definition["shape"], {})
        return attr in {_models.xform_name(m) for m in shape.get("members", {})}

    # --- calls ---

    def _call(self, node: ast.Call, scope: _Scope) -> Any:
        function = self._eval(node.func, scope)
        args = [self._eval(a.value if isinstance(a, ast.Starred) else a, scope) for a in node.args]
        kwargs: dict[str, Any] = {}
        star_kwargs = False
        for keyword in node.keywords:
            value = self._eval(keyword.value, scope)
            if keyword.arg is None:
                star_kwargs = True
                if isinstance(value, DictValue):
                    kwargs.update({k.value: v for k, v in value.items if isinstance(k, Str)})
            else:
                kwargs[keyword.arg] = value
        if isinstance(function, Factory):
            return self._factory(function.kind, args, kwargs, node)
        if isinstance(function, Builtin):
            if function.name == "getenv":
                return Env(args[0].value) if args and isinstance(args[0], Str) else UNKNOWN
            if function.name == "getattr" and len(args) >= 2:
                if isinstance(args[1], Str):
                    return self._attr(args[0], args[1].value, node)
                if isinstance(args[0], _SDK_VALUES):
                    return Method(args[0], None)
            return UNKNOWN
        if isinstance(function, Method):
            return self._method(function, args, kwargs, node, star_kwargs)
        if isinstance(function, Function):
            return self._call_function(function, args, kwargs, node)
        if isinstance(function, ClassInfo):
            instance = Instance(function)
            init = function.scope.vars.get("__init__")
            if isinstance(init, Function):
                self._call_function(
                    Function(init.module, init.node, init.scope, instance), args, kwargs, node
                )
            return instance
        return UNKNOWN

    def _factory(self, kind: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        if kind in ("Session", "get_session"):
            return Session()
        name = args[0] if args else kwargs.get("service_name", UNKNOWN)
        if not isinstance(name, Str):
            return Client(None, f"boto3.{kind}() is given a service name that is not a literal")
        if name.value not in _models.services():
            return Client(None, f"botocore has no service named {name.value!r}")
        if kind == "resource":
            if _models.resource_model(name.value) is None:
                return Client(None, f"boto3 has no resource API for {name.value!r}")
            return ServiceResource(name.value)
        return Client(name.value)

    def _call_function(
        self, function: Function, args: list[Any], kwargs: dict[str, Any], node: ast.AST
    ) -> Any:
        key: tuple[Any, ...] | None = (
            id(function.node),
            function.self_value,
            tuple(args),
            tuple(sorted(kwargs.items(), key=str)),
        )
        try:
            if key in self._memo:
                return self._memo[key]
        except TypeError:  # an unhashable value: analyse without memo
            key = None
        if len(self._stack) >= _MAX_DEPTH or function.node in self._stack:
            return UNKNOWN
        scope = _Scope(function.module, function.scope)
        params = function.node.args
        positional = [*params.posonlyargs, *params.args]
        defaults = [None] * (len(positional) - len(params.defaults)) + list(params.defaults)
        values = list(args)
        if function.self_value is not None:
            values.insert(0, function.self_value)
        for i, param in enumerate(positional):
            if i < len(values):
                value = values[i]
            elif param.arg in kwargs:
                value = kwargs[param.arg]
            elif defaults[i] is not None:
                value = self._eval(defaults[i], function.scope)
            else:
                value = UNKNOWN
            scope.vars[param.arg] = value
        for param, default in zip(params.kwonlyargs, params.kw_defaults, strict=True):
            if param.arg in kwargs:
                scope.vars[param.arg] = kwargs[param.arg]
            else:
                scope.vars[param.arg] = (
                    self._eval(default, function.scope) if default is not None else UNKNOWN
                )
        for extra in (params.vararg, params.kwarg):
            if extra is not None:
                scope.vars[extra.arg] = UNKNOWN
        self._stack.append(function.node)
        self._paths.append(function.module.path)
        returns: list[Any] = []
        try:
            if isinstance(function.node, ast.Lambda):
                returns.append(self._eval(function.node.body, scope))
            else:
                self._exec(function.node.body, scope, returns)
        finally:
            self._stack.pop()
            self._paths.pop()
        known = [r for r in returns if r is not UNKNOWN]
        result = known[0] if known and all(r == known[0] for r in known) else UNKNOWN
        if key is not None:
            self._memo[key] = result
        return result

    def _method(
        self, method: Method, args: list[Any], kwargs: dict[str, Any], node: ast.AST, star_kwargs: bool
    ) -> Any:
        receiver, name = method.receiver, method.name
        if isinstance(receiver, Environ):
            if name == "get" and args and isinstance(args[0], Str):
                return Env(args[0].value)
            return UNKNOWN
        if name is None:
            what = _describe(receiver)
            self._unresolved(node, f"a method of {what} is chosen at run time (getattr with a variable)")
            return UNKNOWN
        if isinstance(receiver, Session):
            if name in ("client", "resource", "create_client"):
                return self._factory("resource" if name == "resource" else "client", args, kwargs, node)
            return UNKNOWN
        if isinstance(receiver, Client):
            return self._client_method(receiver, name, args, kwargs, node, star_kwargs)
        if isinstance(receiver, Paginator):
            if name == "paginate":
                self._record_request(receiver.service, receiver.operation, kwargs, node, star_kwargs)
            return UNKNOWN
        if isinstance(receiver, Waiter):
            if name == "wait":
                self._record_request(receiver.service, receiver.operation, kwargs, node, star_kwargs)
            return UNKNOWN
        if isinstance(receiver, BatchWriter):
            return receiver if name == "__enter__" else UNKNOWN
        if isinstance(receiver, Collection):
            return self._collection_method(receiver, name, node)
        if isinstance(receiver, ServiceResource | Resource):
            return self._resource_method(receiver, name, args, kwargs, node, star_kwargs)
        return UNKNOWN

    def _client_method(
        self,
        client: Client,
        name: str,
        args: list[Any],
        kwargs: dict[str, Any],
        node: ast.AST,
        star_kwargs: bool,
    ) -> Any:
        if client.service is None:
            self._unresolved(node, f"{name}() is called on a client of unknown service: {client.why}")
            return UNKNOWN
        service = client.service
        operations = _models.operations(service)
        if name in operations:
            return self._record_request(service, operations[name], kwargs, node, star_kwargs)
        if name == "get_paginator" or name == "get_waiter":
            if not args or not isinstance(args[0], Str):
                self._unresolved(node, f"{service}.{name}() is given a name that is not a literal")
                return UNKNOWN
            if name == "get_paginator":
                operation = operations.get(args[0].value)
                if operation is None:
                    self._unresolved(node, f"{service} has no operation {args[0].value!r} to paginate")
                    return UNKNOWN
                return Paginator(service, operation)
            waiter = _models.waiters(service).get(args[0].value)
            if waiter is None:
                self._unresolved(node, f"{service} has no waiter {args[0].value!r}")
                return UNKNOWN
            return Waiter(service, waiter)
        if service == "s3" and name in _MANAGED_ARGS:
            position = _MANAGED_ARGS[name]
            bucket = args[position] if len(args) > position else kwargs.get("Bucket", UNKNOWN)
            self._record_managed(service, name, [_binding(bucket)], node)
            if name == "copy":
                source = args[0] if args else kwargs.get("CopySource", UNKNOWN)
                self._record_copy_source(source, node)
            return UNKNOWN
        if name == "generate_presigned_url":
            method = args[0] if args else kwargs.get("ClientMethod", UNKNOWN)
            params = args[1] if len(args) > 1 else kwargs.get("Params", DictValue(()))
            if not isinstance(method, Str) or method.value not in operations:
                self._unresolved(
                    node, f"{service}.generate_presigned_url() signs a method that is not a literal"
                )
                return UNKNOWN
            request = (
                {k.value: v for k, v in params.items if isinstance(k, Str)}
                if isinstance(params, DictValue)
                else {}
            )
            self._record_request(
                service, operations[method.value], request, node, not isinstance(params, DictValue)
            )
            return UNKNOWN
        if name == "generate_db_auth_token" and service == "rds":
            self._record_managed(service, name, [_NO_BINDING], node)
            return UNKNOWN
        if name == "generate_presigned_post" and service == "s3":
            bucket = args[0] if args else kwargs.get("Bucket", UNKNOWN)
            self._record(service, "PutObject", node, [_binding(bucket)])
            return UNKNOWN
        if name in _CLIENT_HELPERS:
            return UNKNOWN
        self._unresolved(node, f"the {service} client has no method {name}() in botocore's model")
        return UNKNOWN

    def _record_request(
        self, service: str, operation: str, kwargs: dict[str, Any], node: ast.AST, star_kwargs: bool
    ) -> Any:
        if service == "dynamodb" and operation == "TransactWriteItems":
            return self._transact_write(kwargs.get("TransactItems", UNKNOWN), node)
        members = _models.input_members(service, operation)
        param = next((p for p in IDENTIFIER_PARAMS if p in members), None)
        reason = None
        if param is None:
            bindings = [_NO_BINDING]
        elif param in kwargs:
            bindings = _bindings(kwargs[param])
        else:
            bindings = [_NO_BINDING]
            reason = (
                f"the request parameters are passed with ** and {param} cannot be read"
                if star_kwargs
                else f"the call does not pass {param}"
            )
        index = kwargs.get("IndexName")
        self._record(service, operation, node, bindings, index=index, reason=reason)
        if service == "s3" and operation in ("CopyObject", "UploadPartCopy"):
            self._record_copy_source(kwargs.get("CopySource", UNKNOWN), node)
        return UNKNOWN

    def _transact_write(self, items: Any, node: ast.AST) -> Any:
        if not isinstance(items, ListValue) or not items.items:
            self._unresolved(
                node,
                "dynamodb transact_write_items: TransactItems is not a literal list, so its "
                "actions (Put/Update/Delete/ConditionCheck) are unknown",
            )
            return UNKNOWN
        for item in items.items:
            kinds = (
                [(k.value, v) for k, v in item.items if isinstance(k, Str)]
                if isinstance(item, DictValue)
                else []
            )
            if len(kinds) != 1 or kinds[0][0] not in _TRANSACT_ITEM or not isinstance(kinds[0][1], DictValue):
                self._unresolved(
                    node,
                    "dynamodb transact_write_items: an item is not a literal "
                    "{Put|Update|Delete|ConditionCheck: {...}}",
                )
                continue
            kind, body = kinds[0]
            self._record("dynamodb", _TRANSACT_ITEM[kind], node, _bindings(body.get("TableName")))
        return UNKNOWN

    def _record_copy_source(self, source: Any, node: ast.AST) -> None:
        if isinstance(source, DictValue):
            binding = _binding(source.get("Bucket"))
        elif isinstance(source, Str):
            binding = Binding(name=source.value.lstrip("/").split("/", 1)[0])
        else:
            binding = _NO_BINDING
        self._record(
            "s3",
            "GetObject",
            node,
            [binding],
            reason=None
            if binding != _NO_BINDING
            else "the copy source is not a literal {'Bucket': ..., 'Key': ...}",
        )

    def _collection_method(self, collection: Collection, name: str, node: ast.AST) -> Any:
        if name in _COLLECTION_METHODS:
            self._record(collection.service, collection.operation, node, [collection.binding])
            return collection if name != "pages" else UNKNOWN
        if collection.member is not None:
            for action, spec in (
                _resource_def(collection.service, collection.member).get("batchActions", {}).items()
            ):
                if _models.xform_name(action) == name:
                    self._record(collection.service, collection.operation, node, [collection.binding])
                    operation = spec.get("request", {}).get("operation", "")
                    self._record(collection.service, operation, node, [collection.binding])
                    return UNKNOWN
        if name == "iterator":
            self._record(collection.service, collection.operation, node, [collection.binding])
            return UNKNOWN
        self._unresolved(node, f"the {collection.service} collection has no method {name}()")
        return UNKNOWN

    def _resource_method(
        self,
        receiver: ServiceResource | Resource,
        name: str,
        args: list[Any],
        kwargs: dict[str, Any],
        node: ast.AST,
        star_kwargs: bool,
    ) -> Any:
        service = receiver.service
        definition = (
            _service_def(service)
            if isinstance(receiver, ServiceResource)
            else _resource_def(service, receiver.rtype)
        )
        binding = receiver.binding if isinstance(receiver, Resource) else None
        # a sub-resource: s3.Bucket(name), dynamodb.Table(name), bucket.Object(key)
        if name in definition.get("has", {}):
            spec = definition["has"][name].get("resource", {})
            identifiers = spec.get("identifiers", [])
            first = identifiers[0] if identifiers else {}
            if first.get("source") == "input":
                key = _models.xform_name(first.get("target", ""))
                value = args[0] if args else kwargs.get(key, kwargs.get(first.get("target", ""), UNKNOWN))
                child_binding = _binding(value)
            else:
                child_binding = binding or _NO_BINDING
            return Resource(service, spec.get("type", name), child_binding)
        for action, spec in definition.get("actions", {}).items():
            if _models.xform_name(action) != name:
                continue
            operation = spec.get("request", {}).get("operation", "")
            if binding is not None:
                self._record(service, operation, node, [binding], index=kwargs.get("IndexName"))
            else:
                self._record_request(service, operation, kwargs, node, star_kwargs)
            returned = spec.get("resource")
            if returned:
                if binding is None:
                    members = _models.input_members(service, operation)
                    param = next(
                        (p for p in (*IDENTIFIER_PARAMS, "QueueName") if p in members and p in kwargs), None
                    )
                    binding = _binding(kwargs[param]) if param else _NO_BINDING
                return Resource(service, returned.get("type", ""), binding)
            return UNKNOWN
        if isinstance(receiver, Resource):
            if name in ("load", "reload"):
                operation = definition.get("load", {}).get("request", {}).get("operation")
                if operation:
                    self._record(service, operation, node, [receiver.binding])
                return UNKNOWN
            if name.startswith("wait_until_"):
                for waiter_name, spec in definition.get("waiters", {}).items():
                    if "wait_until_" + _models.xform_name(waiter_name) == name:
                        operation = _models.waiters(service).get(
                            _models.xform_name(spec.get("waiterName", ""))
                        )
                        if operation:
                            self._record(service, operation, node, [receiver.binding])
                        return UNKNOWN
            if service == "dynamodb" and name == "batch_writer":
                self._record_managed(service, name, [receiver.binding], node)
                return BatchWriter(receiver.binding)
            if service == "s3" and name in _MANAGED_ARGS:
                self._record_managed(service, name, [receiver.binding], node)
                if name == "copy":
                    self._record_copy_source(args[0] if args else kwargs.get("CopySource", UNKNOWN), node)
                return UNKNOWN
            if name == "get_available_subresources":
                return UNKNOWN
        self._unresolved(node, f"{_describe(receiver)} has no method {name}() in boto3's resource model")
        return UNKNOWN

    # --- recording ---

    def _record(
        self,
        service: str,
        operation: str,
        node: ast.AST,
        bindings: list[Binding],
        *,
        index: Any = None,
        reason: str | None = None,
    ) -> None:
        if not self._recording:
            return
        actions = _iam.actions_for(service, operation)
        if isinstance(actions, str):
            self._unresolved(node, f"{service} {operation}: {actions}")
            return
        self._add(service, operation, actions, node, bindings, index, reason)

    def _record_managed(self, service: str, method: str, bindings: list[Binding], node: ast.AST) -> None:
        if self._recording:
            self._add(service, method, _iam.MANAGED[(service, method)], node, bindings, None, None)

    def _add(
        self,
        service: str,
        operation: str,
        actions: tuple[str, ...],
        node: ast.AST,
        bindings: list[Binding],
        index: Any,
        reason: str | None,
    ) -> None:
        file, line = self._where(node)
        index_name = None
        if isinstance(index, Str):
            index_name = index.value
        elif isinstance(index, Env):
            index_name = f"${index.name}"
        elif index is not None and index is not UNKNOWN:
            index_name = None
        elif index is UNKNOWN:
            reason = reason or "the index name (IndexName) is not a literal or an environment variable"
        for binding in bindings:
            why = reason
            if why is None and binding == _NO_BINDING and self._takes_resource(actions):
                why = "the resource name is not read from an environment variable or written as a literal"
            self.calls.add(
                SdkCall(file, line, service, operation, actions, binding.env, binding.name, index_name, why)
            )

    @staticmethod
    def _takes_resource(actions: tuple[str, ...]) -> bool:
        return any(_iam.resource_types(action) for action in actions)

    def _unresolved(self, node: ast.AST, reason: str) -> None:
        if self._recording:
            file, line = self._where(node)
            self.unresolved.add(UnresolvedCall(file, line, reason))

    def _where(self, node: ast.AST) -> tuple[str, int]:
        return (self._paths[-1] if self._paths else "?"), getattr(node, "lineno", 0)


# --- helpers ---------------------------------------------------------------------------------------------


def _string_parts(node: ast.expr) -> Iterator[ast.expr]:
    """The parts of a string built with an f-string, ``+`` or ``%``, left to right. Iterative: generated
    code chains thousands of ``+``, deeper than Python's recursion limit."""
    pending: list[ast.expr] = [node]
    while pending:
        part = pending.pop()
        if isinstance(part, ast.JoinedStr):
            pending.extend(
                reversed([v.value if isinstance(v, ast.FormattedValue) else v for v in part.values])
            )
        elif isinstance(part, ast.BinOp) and isinstance(part.op, ast.Add | ast.Mod):
            pending.extend((part.right, part.left))
        else:
            yield part


def _binding(value: Any) -> Binding:
    if isinstance(value, Env):
        return Binding(env=value.name)
    if isinstance(value, Str):
        return Binding(name=value.value)
    return _NO_BINDING


def _bindings(value: Any) -> list[Binding]:
    """The resources a request parameter names: one, or several (a list of names, RequestItems keys)."""
    if isinstance(value, ListValue):
        found = [_binding(v) for v in value.items]
    elif isinstance(value, DictValue):
        found = [_binding(k) for k, _ in value.items]
    else:
        found = [_binding(value)]
    unique = list(dict.fromkeys(found))
    return unique or [_NO_BINDING]


def _service_def(service: str) -> dict[str, Any]:
    model = _models.resource_model(service) or {}
    return model.get("service", {})  # type: ignore[no-any-return]


def _resource_def(service: str, rtype: str) -> dict[str, Any]:
    model = _models.resource_model(service) or {}
    return model.get("resources", {}).get(rtype, {})  # type: ignore[no-any-return]


def _describe(value: Any) -> str:
    if isinstance(value, Client):
        return f"the {value.service} client" if value.service else "a client of unknown service"
    if isinstance(value, Resource):
        return f"{value.service} {value.rtype}"
    if isinstance(value, ServiceResource):
        return f"the {value.service} service resource"
    return type(value).__name__


__all__ = ["Analyzer", "SdkCall", "UnresolvedCall", "module_name"]
