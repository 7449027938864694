"""SecureIdentityPool: AWS credentials for signed-in users, one least-privilege role per user-pool group.

Users get the role of their user-pool group (``cognito:preferred_role`` in their ID token); every role trusts
only this identity pool and only authenticated identities. The ``grant_own_*`` verbs limit a role to the
caller's own DynamoDB items and S3 objects, keyed by the Cognito identity id.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import Stack
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_cognito_identitypool as identitypool
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct, IValidation

from .._overrides import Guard
from .._sources import record_creation_site
from ..acknowledgments import acknowledge
from ..errors import SecureConstructsError
from ..nag.declarations import defaults_of
from .user_pool import SecureUserPool

#: IAM policy variable: the caller's Cognito identity id (``<region>:<uuid>``), set by the identity pool.
IDENTITY_ID = "${cognito-identity.amazonaws.com:sub}"
COGNITO_IDENTITY = "cognito-identity.amazonaws.com"

#: DynamoDB actions whose every request names partition keys, so ``dynamodb:LeadingKeys`` can bind them.
#: Scan and PartiQL are left out on purpose: a Scan names no key, and ``ForAllValues`` over no key is true.
ITEM_READ_ACTIONS = ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query")
ITEM_WRITE_ACTIONS = (
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
OBJECT_READ_ACTIONS = ("s3:GetObject",)
OBJECT_WRITE_ACTIONS = ("s3:PutObject", "s3:DeleteObject")

_GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
_PREFIX = re.compile(r"^([A-Za-z0-9!_.'()-]+/)*$")

IDENTITY_POOL_MANAGED = frozenset(
    {"authentication_providers", "role_mappings", "authenticated_role", "unauthenticated_role"}
)


class SecureIdentityPool(Construct):
    """A Cognito identity pool for a user pool: authenticated users only, one IAM role per user-pool group.

    Sign-in tokens are checked server-side with the user pool on every credentials request; the classic
    flow is off; roles come from the ID token (``cognito:preferred_role``: the role of the user's group with
    the lowest precedence) and any ambiguity is denied. The pool's default authenticated role has no
    permissions, so a signed-in user outside every group gets credentials that can do nothing. Each group
    role trusts ``cognito-identity.amazonaws.com`` only for this pool (``aud``) and only for authenticated
    identities (``amr``). Grant each role what its group needs, e.g.
    ``api.grant_invoke(pool.roles["Admins"], "GET", "/orders")``, and limit data access per user with
    :meth:`grant_own_items` and :meth:`grant_own_prefix`.

    Attributes: ``identity_pool`` (``aws_cognito_identitypool.IdentityPool``), ``identity_pool_id``,
    ``roles`` (group name -> ``iam.Role``), ``groups`` (group name -> ``cognito.UserPoolGroup``),
    ``authenticated_role`` (the no-permission default role).
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        user_pool: SecureUserPool | cognito.UserPool,
        clients: Sequence[cognito.UserPoolClient] | None = None,
        groups: Sequence[str] = (),
        overrides: Mapping[str, Any] | None = None,
        accepted_risks: Mapping[str, str] | None = None,
    ) -> None:
        """
        :param scope: the parent construct.
        :param id: the construct id.
        :param user_pool: the user pool whose users get credentials (a :class:`SecureUserPool` or a
            ``cognito.UserPool``). Default: none (required).
        :param clients: the app clients whose ID tokens the pool accepts; clients added later are not
            accepted. Default: every client of ``user_pool`` added so far (a plain ``cognito.UserPool`` needs
            them listed; none at all raises SC-ID-006).
        :param groups: user-pool groups to create, each with its own role (see :meth:`add_group`); earlier
            groups get lower precedence, so a user in several groups gets the role of the first one.
            Default: no group (add them with :meth:`add_group`).
        :param overrides: keyword arguments of ``aws_cognito_identitypool.IdentityPool``, e.g.
            ``{"identity_pool_name": "shop"}``; authentication providers, role mappings and default roles are
            set by the construct (SC-GEN-004). Default: no overrides.
        :param accepted_risks: ``{override_key: reason}`` for overrides that weaken a default
            (``allow_unauthenticated_identities``, ``allow_classic_flow``). Default: none (SC-GEN-002).
        """
        super().__init__(scope, id)
        record_creation_site(self)
        pool, chosen = self._clients(user_pool, clients)
        guard = Guard(self, "SecureIdentityPool", accepted_risks)
        props = guard.merge(
            identitypool.IdentityPool,
            defaults_of("SecureIdentityPool"),
            overrides,
            managed=IDENTITY_POOL_MANAGED,
        )
        self._user_pool = pool
        self._secure_pool = user_pool if isinstance(user_pool, SecureUserPool) and clients is None else None
        self._accepted_clients = list(chosen.values())
        self._own_folders: list[tuple[iam.IRole, str]] = []
        self.identity_pool = identitypool.IdentityPool(
            self,
            "IdentityPool",
            authentication_providers=identitypool.IdentityPoolAuthenticationProviders(
                user_pools=[
                    identitypool.UserPoolAuthenticationProvider(
                        user_pool=pool, user_pool_client=client, disable_server_side_token_check=False
                    )
                    for client in chosen.values()
                ]
            ),
            role_mappings=[
                identitypool.IdentityPoolRoleMapping(
                    provider_url=identitypool.IdentityPoolProviderUrl.user_pool(pool, client),
                    mapping_key=name,
                    use_token=True,
                    resolve_ambiguous_roles=False,
                )
                for name, client in chosen.items()
            ],
            **props,
        )
        guard.check(self.identity_pool, self.identity_pool.unauthenticated_role)
        self.identity_pool_id: str = self.identity_pool.identity_pool_id
        self.authenticated_role: iam.IRole = self.identity_pool.authenticated_role
        self.roles: dict[str, iam.Role] = {}
        self.groups: dict[str, cognito.UserPoolGroup] = {}
        self._precedence: dict[str, int] = {}
        for group in groups:
            self.add_group(group)
        self.node.add_validation(_LateChecks(self))

    def add_group(
        self, name: str, *, precedence: int | None = None, description: str | None = None
    ) -> iam.Role:
        """Create user-pool group ``name`` with its own role (no permissions yet) and return the role.

        :param name: the group name: letters, digits, ``_`` and ``-``, at most 128 characters; also in the
            construct ids ``<name>Group`` and ``<name>Role``. Default: none (required).
        :param precedence: the group's precedence (0 wins); users in several groups get the role of the
            group with the lowest value, so two groups cannot share one (SC-ID-004). Default: one more than
            the highest precedence so far (0 for the first group).
        :param description: the group's description. Default: ``"Members get the <name> role"``.
        """
        if not isinstance(name, str) or not _GROUP_NAME.match(name):
            raise SecureConstructsError(
                "SC-ID-004", self, "a group name must be letters, digits, '_' and '-' (at most 128)",
                received=name, fix="Pass e.g. 'Admins' or 'customers'",
            )
        if name in self.groups:
            raise SecureConstructsError(
                "SC-ID-004", self, f"group {name!r} was already added", received=name,
                fix="Add each group once; grant its role more with the usual grant_* verbs",
            )
        used = {p: n for n, p in self._precedence.items()}
        if precedence is None:
            precedence = max(used, default=-1) + 1
        if not isinstance(precedence, int) or isinstance(precedence, bool) or precedence < 0:
            raise SecureConstructsError(
                "SC-GEN-005", self, "a group precedence must be a non-negative integer", received=precedence,
                fix="Pass e.g. precedence=0 for the group whose role wins",
            )
        if precedence in used:
            raise SecureConstructsError(
                "SC-ID-004", self,
                f"precedence {precedence} is already used by group {used[precedence]!r}; with equal "
                "precedence a member of both groups gets no role",
                received=precedence, fix="Give each group its own precedence",
            )
        role = iam.Role(
            self,
            f"{name}Role",
            description=f"Assumed through identity pool {self.node.path} by members of group {name}",
            assumed_by=iam.FederatedPrincipal(
                COGNITO_IDENTITY,
                {
                    "StringEquals": {f"{COGNITO_IDENTITY}:aud": self.identity_pool.identity_pool_id},
                    "ForAnyValue:StringLike": {f"{COGNITO_IDENTITY}:amr": "authenticated"},
                },
                "sts:AssumeRoleWithWebIdentity",
            ),
        )
        self.groups[name] = cognito.UserPoolGroup(
            self,
            f"{name}Group",
            user_pool=self._user_pool,
            group_name=name,
            precedence=precedence,
            role=role,
            description=description or f"Members get the {name} role",
        )
        self.roles[name] = role
        self._precedence[name] = precedence
        return role

    def grant_own_items(
        self,
        role: iam.IRole,
        table: dynamodb.ITable,
        *,
        actions: Sequence[str] = ITEM_READ_ACTIONS + ITEM_WRITE_ACTIONS,
    ) -> iam.Grant:
        """Let ``role`` use only the items of ``table`` whose partition key is the caller's identity id.

        The statement carries ``ForAllValues:StringEquals`` ``dynamodb:LeadingKeys`` =
        ``${cognito-identity.amazonaws.com:sub}``, on the table only (not its indexes, whose partition keys
        are other attributes). Store items under ``pk = <identity id>`` (the app reads it with
        ``GetId``/``fromCognitoIdentityPool``). With a customer-managed table key the role may use the key
        only through DynamoDB (``kms:ViaService``).

        :param role: one of ``roles`` or ``authenticated_role`` (another role raises SC-ID-007: the
            variable is set only in sessions from this pool). Default: none (required).
        :param table: the table. Default: none (required).
        :param actions: a subset of ``ITEM_READ_ACTIONS + ITEM_WRITE_ACTIONS``; others (Scan, PartiQL,
            wildcards) cannot be limited by key and raise SC-ID-009. Default: all of them (read and write).
        """
        self._check_role(role)
        chosen = self._check_actions(actions, ITEM_READ_ACTIONS + ITEM_WRITE_ACTIONS, "DynamoDB")
        grant = iam.Grant.add_to_principal(
            grantee=role,
            actions=chosen,
            resource_arns=[table.table_arn],
            conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [IDENTITY_ID]}},
        )
        key = table.encryption_key
        if key is not None:
            writes = any(a in ITEM_WRITE_ACTIONS for a in chosen)
            grant = grant.combine(_key_grant(role, key, "dynamodb", write=writes))
        return grant

    def grant_own_prefix(
        self,
        role: iam.IRole,
        bucket: s3.IBucket,
        *,
        prefix: str = "",
        actions: Sequence[str] = OBJECT_READ_ACTIONS + OBJECT_WRITE_ACTIONS,
        list_objects: bool = True,
    ) -> iam.Grant:
        """Let ``role`` use only the objects under ``<prefix><identity id>/`` in ``bucket``.

        Objects: ``arn:...:<bucket>/<prefix>${cognito-identity.amazonaws.com:sub}/*``. Listing:
        ``s3:ListBucket`` on the bucket with ``s3:prefix`` limited to that folder. The object wildcard is
        the caller's own folder, so the AwsSolutions-IAM5 finding it raises is acknowledged with that reason.
        With a customer-managed bucket key the role may use the key only through S3 (``kms:ViaService``).

        :param role: one of ``roles`` or ``authenticated_role`` (SC-ID-007 otherwise). Default: none
            (required).
        :param bucket: the bucket. Default: none (required).
        :param prefix: a folder in front of the identity id: empty or ``segment/`` parts of letters, digits
            and ``!_.'()-`` (SC-ID-008 otherwise), e.g. ``"private/"``. Default: ``""``.
        :param actions: a subset of ``OBJECT_READ_ACTIONS + OBJECT_WRITE_ACTIONS`` (SC-ID-009 otherwise).
            Default: read, write and delete.
        :param list_objects: also allow listing the caller's folder. Default: ``True``.
        """
        self._check_role(role)
        chosen = self._check_actions(actions, OBJECT_READ_ACTIONS + OBJECT_WRITE_ACTIONS, "S3")
        if not isinstance(prefix, str) or not _PREFIX.match(prefix):
            raise SecureConstructsError(
                "SC-ID-008", self,
                "the prefix must be empty or folder names ending in '/', without wildcards or variables",
                received=prefix, fix="Pass e.g. prefix='private/'",
            )
        folder = f"{prefix}{IDENTITY_ID}/"
        objects = bucket.arn_for_objects(f"{folder}*")
        grant = iam.Grant.add_to_principal(grantee=role, actions=chosen, resource_arns=[objects])
        if list_objects:
            grant = grant.combine(iam.Grant.add_to_principal(
                grantee=role,
                actions=["s3:ListBucket"],
                resource_arns=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [folder, f"{folder}*"]}},
            ))
        key = bucket.encryption_key
        if key is not None:
            writes = any(a in OBJECT_WRITE_ACTIONS for a in chosen)
            grant = grant.combine(_key_grant(role, key, "s3", write=writes))
        self._own_folders.append((role, objects))  # acknowledged at synth, once logical ids are final
        return grant

    # --- helpers ------------------------------------------------------------------------------------------

    def _clients(
        self, user_pool: Any, clients: Sequence[cognito.UserPoolClient] | None
    ) -> tuple[cognito.UserPool, dict[str, cognito.UserPoolClient]]:
        secure = isinstance(user_pool, SecureUserPool)
        pool = user_pool.user_pool if secure else user_pool
        if not isinstance(pool, cognito.UserPool):
            raise SecureConstructsError(
                "SC-GEN-005", self, "user_pool must be a SecureUserPool or a cognito.UserPool",
                received=type(user_pool).__name__, fix="Pass the SecureUserPool whose users get credentials",
            )
        known = dict(user_pool.clients) if secure else {}
        if clients is None:
            chosen = known
        else:
            by_client = {id(c): n for n, c in known.items()}
            chosen = {}
            for client in clients:
                if secure and id(client) not in by_client:
                    raise SecureConstructsError(
                        "SC-ID-006", self, "a client is not one of the user pool's clients",
                        received=getattr(getattr(client, "node", None), "path", repr(client)),
                        fix="Pass clients made with user_pool.add_client(...)",
                    )
                name = by_client.get(id(client)) or re.sub(r"[^A-Za-z0-9]", "", client.node.id)
                chosen[name] = client
        if not chosen:
            raise SecureConstructsError(
                "SC-ID-006", self, "the identity pool needs at least one user-pool client", received=[],
                fix="Call user_pool.add_client('Web', ...) before creating the identity pool",
            )
        return pool, chosen

    def _check_role(self, role: iam.IRole) -> None:
        if not any(role is r for r in [*self.roles.values(), self.authenticated_role]):
            raise SecureConstructsError(
                "SC-ID-007", self,
                "per-user grants only work for roles handed out by this identity pool (the identity id "
                "variable is empty in other sessions)",
                received=getattr(getattr(role, "node", None), "path", repr(role)),
                fix="Pass a role from pool.roles (see add_group) or pool.authenticated_role",
            )

    def _check_actions(self, actions: Sequence[str], allowed: tuple[str, ...], service: str) -> list[str]:
        chosen = [actions] if isinstance(actions, str) else list(actions)
        bad = [a for a in chosen if a not in allowed]
        if bad or not chosen:
            raise SecureConstructsError(
                "SC-ID-009", self,
                f"these {service} actions cannot be limited to the caller's own data",
                received=bad or chosen, fix=f"Choose from {list(allowed)}",
            )
        return list(dict.fromkeys(chosen))


_OWN_FOLDER_REASON = (
    "The wildcard covers only the caller's own folder: the key prefix is the caller's Cognito identity id "
    "(${cognito-identity.amazonaws.com:sub}), so no user reaches another user's objects."
)


@jsii.implements(IValidation)
class _LateChecks:
    """Synth-time work: acknowledge the per-user folder wildcards by their final finding ids, and refuse
    clients added to the user pool after the identity pool took "every client so far" (they would be
    silently rejected by the identity pool)."""

    def __init__(self, pool: SecureIdentityPool) -> None:
        self._pool = pool
        self._done = False

    def validate(self) -> list[str]:
        pool = self._pool
        errors = []
        if pool._secure_pool is not None:
            late = [n for n, c in pool._secure_pool.clients.items()
                    if not any(c is a for a in pool._accepted_clients)]
            if late:
                errors.append(str(SecureConstructsError(
                    "SC-ID-006", pool,
                    "clients were added to the user pool after the identity pool was created, so the "
                    "identity pool does not accept their tokens",
                    received=late,
                    fix="Add every client before creating the identity pool, or pass clients=[...] to say "
                    "which ones it accepts",
                )))
        if not self._done:
            self._done = True
            for role, objects in pool._own_folders:
                acknowledge(
                    role,
                    f"AwsSolutions-IAM5[Resource::{_flatten(Stack.of(role).resolve(objects))}]",
                    _OWN_FOLDER_REASON,
                )
        return errors


def _key_grant(role: iam.IRole, key: kms.IKey, service: str, *, write: bool) -> iam.Grant:
    actions = ["kms:Decrypt", "kms:DescribeKey"] + (["kms:Encrypt", "kms:GenerateDataKey"] if write else [])
    stack = Stack.of(role)
    return iam.Grant.add_to_principal(
        grantee=role,
        actions=actions,
        resource_arns=[key.key_arn],
        conditions={"StringEquals": {"kms:ViaService": f"{service}.{stack.region}.{stack.url_suffix}"}},
    )


def _flatten(reference: Any) -> str:
    """A resolved CloudFormation value as cdk-nag flattens it in finding ids (``<Logical.Arn>/...``)."""
    if isinstance(reference, str):
        return reference.replace("${", "<").replace("}", ">")
    if isinstance(reference, dict):
        if "Fn::Join" in reference:
            delimiter, items = reference["Fn::Join"]
            return delimiter.join(_flatten(item) for item in items)
        if "Fn::Sub" in reference:
            return _flatten(reference["Fn::Sub"])
        if "Fn::GetAtt" in reference:
            resource, attribute = reference["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if "Fn::ImportValue" in reference:
            return _flatten(reference["Fn::ImportValue"])
        if "Ref" in reference:
            return f"<{_flatten(reference['Ref'])}>"
    return json.dumps(reference, separators=(",", ":"))
