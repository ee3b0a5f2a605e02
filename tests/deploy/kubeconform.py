"""kubeconform, validating Kubernetes manifests offline against the JSON schemas that
the kubernetes-validate package bundles (a test dependency), made standalone for it.

kubernetes-validate's schemas name themselves and their shared definitions by
https://kubernetes.io URLs ($id, "$ref": "/api/_definitions.json#..."), which
kubeconform would try to download; without the $id and with the reference made
relative, they resolve inside the folder, and no network is needed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate

KUBERNETES = "1.35.0"  # the API version validated against
_DEFINITIONS = '"/api/_definitions.json#'


def binary() -> str | None:
    return shutil.which("kubeconform")


def standalone_schemas(folder: Path) -> str:
    """The strict schemas of KUBERNETES written into folder; kubeconform's
    -schema-location for them."""
    bundled = (Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
               / f"v{KUBERNETES}-local-strict")
    assert bundled.is_dir(), f"kubernetes-validate bundles no schemas for {KUBERNETES}"
    target = folder / f"v{KUBERNETES}-standalone-strict"
    target.mkdir(parents=True)
    for schema in bundled.glob("*.json"):
        document = json.loads(schema.read_text())
        document.pop("$id", None)
        text = json.dumps(document).replace(_DEFINITIONS, '"_definitions.json#')
        (target / schema.name).write_text(text)
    return str(folder / "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}"
               / "{{ .ResourceKind }}{{ .KindSuffix }}.json")


def validate(location: str, *paths: Path) -> subprocess.CompletedProcess:
    """kubeconform -strict on paths; every resource must have a schema."""
    return subprocess.run([binary(), "-strict", "-summary", "-kubernetes-version", KUBERNETES,
                           "-schema-location", location, *map(str, paths)],
                          capture_output=True, text=True, timeout=120)
