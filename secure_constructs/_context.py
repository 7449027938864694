"""One ``StackContext`` per stack: everything our constructs of one stack share, and the checks they run at
synth.

A context holds the stack's names, its customer-managed keys, the dead-letter queue its functions share,
its alarm topic, the number of API routes (for the resource budget), the roles that run its SecureFunctions,
which of our constructs wraps which L2, where the user's code created each of our constructs, the checks
that run at synth, and the work deferred to synth (the default alarms). Each field says which module fills
it. Per-stack state lives nowhere else: nothing is stored as an attribute on a CDK object, and nothing is
found by looking for a marker construct in the tree.

How a context is found: ``StackContext.of(scope)`` looks up the stack of ``scope`` in a module-level dict
keyed by the stack object. Why that, of the ways to attach state to a stack:

- Not attributes set on the stack: they are invisible to readers and type checkers, and the stack is not
  ours.
- Not a construct found by id under the stack (CDK's way for per-stack *resources*): it would put a node
  with no CloudFormation meaning into the user's tree, and every lookup would be a search of that tree.
- Keyed by the stack object rather than its path: two apps in one process (tests do this) can both have a
  stack called ``Orders``. jsii hands back the same Python object for a stack made in Python, so the
  object is a sound key.
- A plain dict rather than a ``weakref.WeakKeyDictionary``: jsii keeps every object made in Python alive
  for the life of the process, and a context refers to its stack, so weak keys would free nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import jsii
from aws_cdk import Aspects, IAspect, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct, IConstruct, IValidation

#: A synth-time check: returns its error messages (none when it passes).
Check = Callable[[], Sequence[str]]

#: Id of the childless construct whose aspect runs the deferred work once per synth.
DEFERRED_ID = "SecureConstructsAtSynth"


@dataclass
class CreationSite:
    """The line of the user's code that created one of our constructs (see ``_sources``)."""

    construct: IConstruct
    file: str
    line: int


@dataclass
class FunctionRole:
    """The execution role of one SecureFunction, as the synth-time checks of compute see it."""

    function_path: str
    role: iam.IRole
    #: ``{rule id: [reasons]}``: why each finding on the role is acceptable, acknowledged on it at synth.
    reasons: dict[str, list[str]] = field(default_factory=dict)
    acknowledged: bool = False


class StackContext:
    """What our constructs of one stack share (see the module docstring); get it with :meth:`of`."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        #: the app (or other root) the stack belongs to
        self.root: IConstruct = stack.node.root
        #: the stack's construct path and CloudFormation name (alarm names are made of them)
        self.path: str = stack.node.path
        self.name: str = stack.stack_name
        self.region: str = stack.region
        #: ``_shared.stack_key``: the stack's keys by purpose, and the statements added to them once
        self.keys: dict[str, kms.Key] = {}
        self.key_statements: set[tuple[kms.Key, str]] = set()
        #: ``compute``: the dead-letter queue the stack's SecureFunctions share by default
        self.dead_letter_queue: sqs.IQueue | None = None
        #: ``compute``: the role of each SecureFunction of the stack (checked at synth: SC-FN-001, SC-FN-011)
        self.function_roles: list[FunctionRole] = []
        #: ``compute``: our construct that wraps an L2 (a SecureFunction's ``aws_lambda.Function`` -> it)
        self.owners: dict[IConstruct, IConstruct] = {}
        #: ``monitoring.topic``: the stack's alarm topic
        self.alarm_topic: sns.Topic | None = None
        #: ``api._budget``: routes of the stack's APIs (the resource budget, SC-API-013)
        self.routes = 0
        #: ``network.prefix_lists``: the function that reads the gateway endpoints' prefix list ids
        self.prefix_list_provider: IConstruct | None = None
        #: ``_sources``: where the user's code created our constructs of this stack
        self.creation_sites: list[CreationSite] = []
        self._checks: list[Check] = []
        self._deferred: list[Callable[[], object]] | None = None
        stack.node.add_validation(_RunChecks(self._checks))

    @classmethod
    def of(cls, scope: IConstruct) -> StackContext:
        """The context of the stack that ``scope`` belongs to (made on first use)."""
        stack = Stack.of(scope)
        context = _CONTEXTS.get(stack)
        if context is None:
            context = _CONTEXTS[stack] = cls(stack)
        return context

    @staticmethod
    def all(root: IConstruct | None = None) -> list[StackContext]:
        """The contexts of the stacks of ``root`` (an app), or of every app when ``root`` is None."""
        return [context for context in _CONTEXTS.values() if root is None or context.root is root]

    def add_check(self, check: Check) -> None:
        """Run ``check`` at synth, in the construct-validation phase (which CDK completes before the
        validation plugins run); its messages fail the synth."""
        self._checks.append(check)

    def defer(self, action: Callable[[], object]) -> None:
        """Run ``action`` once when the app is synthesized, before validation, so that what it adds is part
        of the templates and what users do until then still counts (the default alarms are made so)."""
        if self._deferred is None:
            self._deferred = []
            # on a childless construct of its own, the aspect visits one node: the work runs once per synth
            Aspects.of(Construct(self.stack, DEFERRED_ID)).add(_RunDeferred(self._deferred))
        self._deferred.append(action)


_CONTEXTS: dict[Stack, StackContext] = {}


@jsii.implements(IValidation)
class _RunChecks:
    def __init__(self, checks: list[Check]) -> None:
        self._checks = checks

    def validate(self) -> list[str]:
        return [message for check in self._checks for message in check()]


@jsii.implements(IAspect)
class _RunDeferred:
    def __init__(self, actions: list[Callable[[], object]]) -> None:
        self._actions = actions

    def visit(self, node: IConstruct) -> None:
        actions = list(self._actions)
        self._actions.clear()
        for action in actions:
            action()
