"""Expand an AWS SAM template into the CloudFormation resources it deploys, offline, with AWS's own
translator (``aws-sam-translator``), remembering which SAM resource made each generated one.

Offline means: the translator is given a boto3 session with a region and no credentials (it only reads
the region, for ``AWS::Region``/``AWS::Partition``); AWS managed policy names (``Policies:
[AWSLambdaBasicExecutionRole]``) resolve through the map that the pinned translator version bundles
(``samtranslator/internal/data/aws_managed_policies.json``), never through IAM; applications from the
Serverless Application Repository would need the network and are refused (SC-NAG-008). Local code
paths (``CodeUri: src/``, which ``sam build``/``sam package`` would upload) are replaced by a placeholder
S3 location; a local ``DefinitionUri`` file is read in as the ``DefinitionBody``.
"""

from __future__ import annotations

import copy
import json
import os
from typing import Any

from ..errors import SecureConstructsError
from ._load import Loaded, missing_extra

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
SAM_PREFIX = "AWS::Serverless::"
#: Metadata key that carries a SAM resource's logical id through the translation (removed afterwards).
_ORIGIN = "SecureServerless:SamResource"
#: Implicit APIs the translator adds for functions' Api/HttpApi events.
_IMPLICIT = {"ServerlessRestApi": ("Api",), "ServerlessHttpApi": ("HttpApi",)}
_CODE_PROPERTIES = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}
_DEFINITION_URI = ("AWS::Serverless::Api", "AWS::Serverless::HttpApi")
DEFAULT_REGION = "us-east-1"


def transforms(template: dict[str, Any]) -> list[str]:
    value = template.get("Transform")
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [item if isinstance(item, str) else json.dumps(item) for item in items]


def is_sam(template: dict[str, Any]) -> bool:
    """The template needs the SAM transform (declares it, or has AWS::Serverless resources)."""
    return SAM_TRANSFORM in transforms(template) or any(
        isinstance(r, dict) and str(r.get("Type", "")).startswith(SAM_PREFIX)
        for r in template["Resources"].values()
    )


def check_transforms(loaded: Loaded) -> None:
    """Refuse (SC-NAG-005) a template that needs a transform other than SAM: its resources are not final."""
    others = [name for name in transforms(loaded.template) if name != SAM_TRANSFORM]
    if others:
        raise SecureConstructsError(
            "SC-NAG-005",
            loaded.path,
            "the template needs a transform that cannot be run offline, so its resources are not the ones "
            "CloudFormation deploys and the rules would not see them",
            received=f"Transform: {', '.join(others)}",
            fix="Check the processed template instead (`aws cloudformation get-template --stack-name <stack> "
            "--template-stage Processed`), or drop the transform",
        )


def expand(loaded: Loaded, region: str | None = None) -> tuple[Loaded, dict[str, str]]:
    """The CloudFormation template the SAM template becomes, and {generated logical id: SAM resource}.

    Generated resources get the line of the SAM resource they come from. The implicit APIs
    (``ServerlessRestApi``, ``ServerlessHttpApi``) come from the first function with an API event."""
    sam = _plain(loaded.template)
    sam_ids = [lid for lid, r in sam["Resources"].items() if str(r.get("Type", "")).startswith(SAM_PREFIX)]
    base = os.path.dirname(os.path.abspath(loaded.path))
    for logical_id in sam_ids:
        resource = sam["Resources"][logical_id]
        metadata = resource.get("Metadata")
        resource["Metadata"] = dict(metadata) if isinstance(metadata, dict) else {}
        resource["Metadata"][_ORIGIN] = logical_id
        _localize(resource, base)
    function_globals = _get(sam, "Globals", "Function")
    if isinstance(function_globals, dict):
        _localize({"Type": "AWS::Serverless::Function", "Properties": function_globals}, base)
    try:
        template = _translate(sam, region or _region())
    except SecureConstructsError:
        raise
    except Exception as error:  # noqa: BLE001 - the translator's own errors name the resource and the problem
        raise SecureConstructsError(
            "SC-NAG-008",
            loaded.path,
            "the SAM template cannot be expanded",
            received=_translator_message(error),
            fix="Fix the SAM template (`sam validate` shows the same errors)",
        ) from error
    origin: dict[str, str] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        metadata = resource.get("Metadata")
        if isinstance(metadata, dict) and _ORIGIN in metadata:
            # the translator gives every resource of one SAM resource the same Metadata object: copy it
            metadata = {key: value for key, value in metadata.items() if key != _ORIGIN}
            origin[logical_id] = resource["Metadata"][_ORIGIN]
            if metadata:
                resource["Metadata"] = metadata
            else:
                del resource["Metadata"]
    implicit = _implicit_origins(sam, template, origin)
    lines = {section: dict(values) for section, values in loaded.lines.items()}
    resource_lines = lines.setdefault("Resources", {})
    source_lines = loaded.lines.get("Resources", {})
    origin.update(implicit)
    for logical_id, sam_id in origin.items():
        if sam_id in source_lines:
            resource_lines[logical_id] = source_lines[sam_id]
    return Loaded(loaded.path, template, lines, loaded.format), origin


def _implicit_origins(
    sam: dict[str, Any], template: dict[str, Any], origin: dict[str, str]
) -> dict[str, str]:
    found: dict[str, str] = {}
    for api, event_types in _IMPLICIT.items():
        owner = next(
            (
                lid
                for lid, r in sam["Resources"].items()
                if r.get("Type") == "AWS::Serverless::Function"
                and any(
                    isinstance(e, dict) and e.get("Type") in event_types
                    for e in (_get(r, "Properties", "Events") or {}).values()
                )
            ),
            None,
        )
        if owner is None:
            continue
        for logical_id in template.get("Resources", {}):
            if logical_id.startswith(api) and logical_id not in origin and logical_id not in sam["Resources"]:
                found[logical_id] = owner  # the implicit API exists because of this function's events
    return found


def _get(value: Any, *keys: str) -> Any:
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _plain(value: Any) -> Any:
    """A deep copy made of plain dicts, lists and strs (the YAML decoder's node classes dropped)."""
    return json.loads(json.dumps(value))


def _localize(resource: dict[str, Any], base: str) -> None:
    properties = resource.get("Properties")
    if not isinstance(properties, dict):
        return
    code_key = _CODE_PROPERTIES.get(str(resource.get("Type")))
    if (
        code_key
        and isinstance(properties.get(code_key), str)
        and not properties[code_key].startswith("s3://")
    ):
        properties[code_key] = "s3://local-code-not-uploaded/" + (properties[code_key].strip("./") or "code")
    uri = properties.get("DefinitionUri")
    if resource.get("Type") in _DEFINITION_URI and isinstance(uri, str) and not uri.startswith("s3://"):
        path = os.path.join(base, uri)
        if os.path.isfile(path):
            properties.pop("DefinitionUri")
            properties["DefinitionBody"] = _plain(load_definition(path))


def load_definition(path: str) -> Any:
    """An OpenAPI document next to the template (JSON or YAML; the template reader's limits apply)."""
    from ._load import read_text, yaml_decoder

    text = read_text(path)
    if text.lstrip()[:1] == "{":
        try:
            return json.loads(text)
        except ValueError:
            pass
    try:
        return yaml_decoder(path).loads(text, path)
    except Exception as error:  # noqa: BLE001
        raise SecureConstructsError(
            "SC-NAG-008",
            path,
            "the API definition (DefinitionUri) cannot be read",
            received=str(error).splitlines()[0][:200],
            fix="Fix the OpenAPI document's syntax",
        ) from error


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION


def _offline_sar_client() -> Any:
    raise SecureConstructsError(
        "SC-NAG-008",
        "AWS::Serverless::Application",
        "an application from the Serverless Application Repository cannot be expanded offline",
        fix="Check the application's own template, or give its Location as a template URL",
    )


def _translate(sam: dict[str, Any], region: str) -> dict[str, Any]:
    try:  # lazy: boto3, pydantic and the translator take about 0.6 s to import
        import boto3
        from samtranslator.parser.parser import Parser
        from samtranslator.plugins.application.serverless_app_plugin import ServerlessAppPlugin
        from samtranslator.translator.translator import Translator
    except ImportError as error:
        raise missing_extra("AWS::Serverless-2016-10-31", "aws-sam-translator", error) from error

    session = boto3.Session(region_name=region, aws_access_key_id="offline", aws_secret_access_key="offline")
    translator = Translator(
        None,
        Parser(),
        plugins=[ServerlessAppPlugin(sar_client_creator=_offline_sar_client)],
        boto_session=session,
    )
    try:
        template: dict[str, Any] = translator.translate(copy.deepcopy(sam), {}, passthrough_metadata=True)
    finally:
        translator.metrics.publish()  # to its no-op publisher: else it warns on stderr when collected
    return template


def _translator_message(error: Exception) -> str:
    causes = getattr(error, "causes", None)
    if causes:
        return "; ".join(getattr(c, "message", str(c)) for c in causes[:3])[:400]
    return (getattr(error, "message", None) or str(error) or type(error).__name__).splitlines()[0][:400]
