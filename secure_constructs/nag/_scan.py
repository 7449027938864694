"""The template scanner: find the templates in the paths given (files, directory trees, ``cdk.out``
assemblies with their nested stacks and stages), check each with the pack, and say where each finding is.

Pure Python: nothing here imports aws_cdk or jsii. Many templates are checked on several cores.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import SecureConstructsError
from . import _acks
from ._acks import Ack, Acknowledged
from ._load import load
from ._model import Finding, Level
from ._pack import evaluate

TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
#: Folders never walked into: dependencies, virtual environments, VCS data, SAM's build copies.
SKIPPED_DIRS = frozenset({"node_modules", ".git", ".hg", ".venv", "venv", "__pycache__", ".aws-sam", ".tox"})
#: Files of a cloud assembly that are not templates.
_ASSEMBLY_FILES = ("manifest.json", "tree.json", "cdk.out", "validation-report.json")
#: The side file the synth-time plugin writes: construct path -> where the user's code created it.
SOURCES_FILE = "secure_constructs.sources.json"
CDK_PATH = "aws:cdk:path"
#: Below this many templates one process does all the work (starting workers costs more).
PARALLEL_MIN_TEMPLATES = 8


@dataclass(frozen=True)
class StackInfo:
    """What a cloud assembly knows about one stack's template besides the template itself."""

    acks: dict[str, dict[str, Any]] = field(default_factory=dict)  # construct path -> {id: reason}
    logical_paths: dict[str, str] = field(default_factory=dict)  # logical id -> construct path
    sources: dict[str, str] = field(default_factory=dict)  # construct path -> "file.py:line"


@dataclass(frozen=True)
class Job:
    path: str
    explicit: bool  # named on the command line: an unreadable file is an error, not a skip
    stack: StackInfo | None = None


@dataclass
class TemplateReport:
    path: str
    resources: int
    findings: list[Finding]
    acknowledged: list[Acknowledged]
    refused: list[Acknowledged]
    sam: bool = False


@dataclass
class ScanReport:
    templates: list[TemplateReport] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why) in directory walks

    @property
    def findings(self) -> list[Finding]:
        return [f for t in self.templates for f in t.findings]

    @property
    def acknowledged(self) -> list[Acknowledged]:
        return [a for t in self.templates for a in t.acknowledged]

    @property
    def refused(self) -> list[Acknowledged]:
        return [a for t in self.templates for a in t.refused]

    def failed(self, fail_on: Level = Level.ERROR) -> bool:
        return any(f.level.fails or fail_on is Level.WARNING for f in self.findings)


# --- finding the templates ------------------------------------------------------------------------------


def collect(paths: Iterable[str]) -> list[Job]:
    """Every template under ``paths``, in order; raises SecureConstructsError for a missing path or a
    broken assembly."""
    jobs: list[Job] = []
    for path in paths:
        if os.path.isdir(path):
            if os.path.isfile(os.path.join(path, "manifest.json")):
                jobs += _assembly(path)
            else:
                jobs += _tree(path)
        elif os.path.exists(path):
            jobs.append(Job(path, explicit=True))
        else:
            raise SecureConstructsError(
                "SC-NAG-001",
                path,
                "no such file or directory",
                fix="Pass template files, directories of templates or a cdk.out directory",
            )
    return jobs


def _tree(root: str) -> list[Job]:
    jobs: list[Job] = []
    for folder, dirs, files in os.walk(root):
        if folder != root and os.path.isfile(os.path.join(folder, "manifest.json")):
            dirs[:] = []
            jobs += _assembly(folder)
            continue
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            if name.endswith(TEMPLATE_SUFFIXES) and name not in _ASSEMBLY_FILES:
                jobs.append(Job(os.path.join(folder, name), explicit=False))
    return jobs


def _read_json(path: str, what: str) -> Any:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError, RecursionError) as error:
        raise SecureConstructsError(
            "SC-NAG-009",
            path,
            f"the cloud assembly's {what} cannot be read",
            received=f"{type(error).__name__}: {str(error)[:200]}",
            fix="Synthesize again (`cdk synth`) or pass the stack templates themselves",
        ) from error


def _assembly(directory: str) -> list[Job]:
    """The stack templates of a cdk.out (stages' nested assemblies included) and its nested stacks."""
    manifest = _read_json(os.path.join(directory, "manifest.json"), "manifest.json")
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        raise SecureConstructsError(
            "SC-NAG-009",
            os.path.join(directory, "manifest.json"),
            "the cloud assembly's manifest has no artifacts",
            received=type(artifacts).__name__,
            fix="Synthesize again (`cdk synth`)",
        )
    sources = _sources(directory)
    acks: dict[str, dict[str, Any]] = {}
    stacks: list[tuple[str, dict[str, str]]] = []
    jobs: list[Job] = []
    for artifact in artifacts.values():
        if not isinstance(artifact, dict):
            continue
        declared = artifact.get("properties")
        properties: dict[str, Any] = declared if isinstance(declared, dict) else {}
        if artifact.get("type") == "cdk:cloud-assembly" and isinstance(properties.get("directoryName"), str):
            jobs += _assembly(os.path.join(directory, properties["directoryName"]))
        elif artifact.get("type") == "aws:cloudformation:stack" and isinstance(
            properties.get("templateFile"), str
        ):
            metadata = _stack_metadata(directory, artifact)
            logical_paths: dict[str, str] = {}
            for path, entries in metadata.items():
                for entry in entries if isinstance(entries, list) else ():
                    if not isinstance(entry, dict):
                        continue
                    if entry.get("type") == "aws:cdk:logicalId" and isinstance(entry.get("data"), str):
                        logical_paths[entry["data"]] = path.lstrip("/")
                    elif entry.get("type") == "aws:cdk:acknowledged-rules" and isinstance(
                        entry.get("data"), dict
                    ):
                        acks.setdefault(path.lstrip("/"), {}).update(entry["data"])
            stacks.append((os.path.join(directory, properties["templateFile"]), logical_paths))
    for template, logical_paths in stacks:
        jobs.append(Job(template, True, StackInfo(acks, logical_paths, sources)))
    for name in sorted(os.listdir(directory)):
        if name.endswith(".nested.template.json"):
            jobs.append(Job(os.path.join(directory, name), True, StackInfo(acks, {}, sources)))
    return jobs


def _stack_metadata(directory: str, artifact: dict[str, Any]) -> dict[str, Any]:
    inline = artifact.get("metadata")
    metadata: dict[str, Any] = inline if isinstance(inline, dict) else {}
    extra = artifact.get("additionalMetadataFile")
    if isinstance(extra, str) and os.path.isfile(os.path.join(directory, extra)):
        more = _read_json(os.path.join(directory, extra), extra)
        if isinstance(more, dict):
            metadata = {**metadata, **more}
    return metadata


def _sources(directory: str) -> dict[str, str]:
    path = os.path.join(directory, SOURCES_FILE)
    if not os.path.isfile(path):
        return {}
    data = _read_json(path, SOURCES_FILE)
    constructs = data.get("constructs") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in constructs.items()} if isinstance(constructs, dict) else {}


# --- checking one template ------------------------------------------------------------------------------


def check_template(job: Job, region: str | None = None) -> TemplateReport:
    """Load, expand (SAM), evaluate and locate the findings of one template."""
    from . import _sam

    loaded = load(job.path)
    _sam.check_transforms(loaded)
    origin: dict[str, str] = {}
    sam = _sam.is_sam(loaded.template)
    if sam:
        loaded, origin = _sam.expand(loaded, region)
    template = loaded.template
    resources: dict[str, Any] = template["Resources"]
    findings = evaluate(template, template_dir=os.path.dirname(os.path.abspath(job.path)))  # staged assets
    construct_paths = _construct_paths(resources, job.stack)
    acks_of: dict[str, list[Ack]] = {}
    for logical_id, resource in resources.items():
        if isinstance(resource, dict) and "Metadata" in resource:
            found = _acks.from_metadata(logical_id, resource)
            if found:
                acks_of[logical_id] = found
    if job.stack is not None and job.stack.acks:
        for logical_id, path in construct_paths.items():
            for at, acknowledged in job.stack.acks.items():
                if path == at or path.startswith(at + "/"):
                    acks_of.setdefault(logical_id, []).extend(_acks.from_synth(acknowledged, at))
    sources = job.stack.sources if job.stack is not None else {}
    located = [_locate(f, loaded.line_of, job.path, origin, construct_paths, sources) for f in findings]
    open_, accepted, refused = _acks.split(located, acks_of)
    return TemplateReport(job.path, len(resources), open_, accepted, refused, sam)


def _construct_paths(resources: dict[str, Any], stack: StackInfo | None) -> dict[str, str]:
    paths = dict(stack.logical_paths) if stack is not None else {}
    for logical_id, resource in resources.items():
        metadata = resource.get("Metadata") if isinstance(resource, dict) else None
        if isinstance(metadata, dict) and isinstance(metadata.get(CDK_PATH), str):
            paths[logical_id] = metadata[CDK_PATH]
    return paths


def _locate(
    finding: Finding,
    line_of: Any,
    path: str,
    origin: dict[str, str],
    construct_paths: dict[str, str],
    sources: dict[str, str],
) -> Finding:
    is_output = finding.location.startswith("Outputs/")
    line = line_of(finding.logical_id, "Outputs" if is_output else "Resources")
    created_at = None
    construct = construct_paths.get(finding.logical_id)
    if construct and sources:
        created_at = creation_site(construct, sources)
    return replace(
        finding,
        logical_id=str(finding.logical_id),  # plain str: the YAML decoder's keys do not cross processes
        file=path,
        line=line,
        sam_resource=origin.get(finding.logical_id),
        created_at=created_at,
    )


def creation_site(construct_path: str, sources: dict[str, str]) -> str | None:
    """The site recorded for the construct at ``construct_path`` or its nearest recorded ancestor."""
    path = construct_path
    while path:
        if path in sources:
            return sources[path]
        path = path.rpartition("/")[0]
    return None


# --- the whole run --------------------------------------------------------------------------------------


def _run(job: Job, region: str | None) -> tuple[TemplateReport | None, tuple[str, str] | None]:
    """One job, never raising: a worker's exceptions would not survive the trip back."""
    try:
        return check_template(job, region), None
    except SecureConstructsError as error:
        return None, (error.code, str(error))
    except (RecursionError, MemoryError) as error:
        return None, (
            "SC-NAG-007",
            f"[SC-NAG-007] {job.path}: the template is too large or too deeply "
            f"nested to check ({type(error).__name__}). Pass a smaller template.",
        )
    except Exception as error:  # noqa: BLE001 - one clear line, never a traceback, even for a scanner bug
        problem = SecureConstructsError(
            "SC-NAG-012",
            job.path,
            "the scanner failed on this template (a bug in secure_constructs; please report it)",
            received=f"{type(error).__name__}: {str(error)[:200]}",
            fix="Report the template's shape (not its secrets) to the maintainers; check the other files",
        )
        return None, (problem.code, str(problem))


class ScanError(Exception):
    """Bad input for the whole run: the CLI prints ``message`` and exits 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def scan(
    paths: Iterable[str],
    *,
    region: str | None = None,
    jobs: int | None = None,
    skip_non_templates: bool = False,
) -> ScanReport:
    """Check every template under ``paths``; raises ScanError for bad input (exit 2).

    ``skip_non_templates``: files named in ``paths`` that are not templates are skipped (as in a
    directory walk) instead of refused, and finding no template is not an error (for pre-commit, which
    passes every changed YAML/JSON file)."""
    paths = list(paths)
    try:
        work = collect(paths)
    except SecureConstructsError as error:
        raise ScanError(str(error)) from error
    if skip_non_templates:
        work = [replace(job, explicit=False) if job.stack is None else job for job in work]
    workers = _workers(len(work), jobs)
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(
                pool.map(_run, work, [region] * len(work), chunksize=max(1, len(work) // (workers * 4)))
            )
    else:
        results = [_run(job, region) for job in work]
    report = ScanReport()
    for job, (result, problem) in zip(work, results, strict=True):
        if result is not None:
            report.templates.append(result)
        elif problem is not None and (job.explicit or problem[0] not in _SKIPPABLE):
            raise ScanError(problem[1])
        elif problem is not None:
            report.skipped.append((job.path, problem[1]))
    if not report.templates and not skip_non_templates:
        raise ScanError(
            str(
                SecureConstructsError(
                    "SC-NAG-009",
                    ", ".join(paths)[:300],
                    "no CloudFormation template found",
                    received=f"{len(report.skipped)} file(s) skipped as not templates",
                    fix="Pass template files (JSON or YAML), a directory that holds some, or a cdk.out",
                )
            )
        )
    return report


#: In a directory walk, files that are not templates at all are skipped rather than refused.
_SKIPPABLE = frozenset({"SC-NAG-001", "SC-NAG-002", "SC-NAG-003"})


def _workers(count: int, jobs: int | None) -> int:
    if jobs is not None:
        return max(1, min(jobs, count))
    if count < PARALLEL_MIN_TEMPLATES:
        return 1
    return max(1, min(os.cpu_count() or 1, count))
