"""The Kubernetes manifests (compose/k8s/) validate with kubeconform -strict, offline;
a planted error fails it; and the manifests agree with each other and with kickoff:
the workers find the master's Service, the master waits for as many workers as run,
both run the harness image, and the scenario in the ConfigMap validates."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from harness.platforms.harness_image import REPOSITORY
from tests.cli import harness
from tests.deploy import kubeconform

MANIFESTS = Path(__file__).resolve().parents[2] / "compose" / "k8s"


@pytest.fixture(scope="module")
def schemas(tmp_path_factory) -> str:
    if kubeconform.binary() is None:
        pytest.fail("kubeconform is not installed (install: bash .ci/setup)")
    return kubeconform.standalone_schemas(tmp_path_factory.mktemp("schemas"))


def _resources() -> dict[str, dict]:
    found = {}
    for path in sorted(MANIFESTS.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            found[f"{document['kind']}/{document['metadata']['name']}"] = document
    return found


def _container(resource: dict) -> dict:
    (container,) = resource["spec"]["template"]["spec"]["containers"]
    return container


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def test_the_manifests_validate(schemas):
    result = kubeconform.validate(schemas, MANIFESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    kinds = {name.split("/")[0] for name in _resources()}
    assert {"Job", "Service", "Deployment", "ConfigMap"} <= kinds
    assert f"Valid: {len(_resources())}, Invalid: 0" in result.stdout, result.stdout


@pytest.mark.parametrize("planted, complaint", [
    ("  replica: 4\n", "additional properties 'replica' not allowed"),  # a misspelt field
    ("  replicas: four\n", "at '/spec/replicas': got string"),  # a wrong type
])
def test_a_planted_error_fails_validation(schemas, tmp_path, planted, complaint):
    for path in MANIFESTS.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    worker = tmp_path / "worker.yaml"
    text = worker.read_text()
    assert "  replicas: 4\n" in text
    worker.write_text(text.replace("  replicas: 4\n", planted))
    result = kubeconform.validate(schemas, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Deployment kickoff-worker is invalid" in result.stdout, result.stdout
    assert complaint in result.stdout, result.stdout


def test_workers_find_the_master_and_the_master_waits_for_all_of_them():
    resources = _resources()
    master, service = resources["Job/kickoff-master"], resources["Service/kickoff-master"]
    workers = resources["Deployment/kickoff-worker"]
    host, port = _option(_container(workers)["args"], "--master").split(":")
    assert host == service["metadata"]["name"]
    (service_port,) = service["spec"]["ports"]
    (master_port,) = _container(master)["ports"]
    assert int(port) == service_port["port"]
    assert service_port["targetPort"] == master_port["name"]
    args = _container(master)["args"]
    assert _option(args, "--master-bind") == f"0.0.0.0:{master_port['containerPort']}"
    labels = master["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert int(_option(args, "--expect-workers")) == workers["spec"]["replicas"]
    for resource in (master, workers):
        assert _container(resource)["image"].startswith(REPOSITORY + ":")
        assert _container(resource)["resources"]["requests"]


def test_the_scenario_in_the_config_map_validates(tmp_path):
    resources = _resources()
    master = resources["Job/kickoff-master"]
    (mount,) = [m for m in _container(master)["volumeMounts"] if m["name"] == "scenario"]
    volumes = master["spec"]["template"]["spec"]["volumes"]
    (volume,) = [v for v in volumes if v["name"] == "scenario"]
    files = resources[f"ConfigMap/{volume['configMap']['name']}"]["data"]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    scenario = Path(_container(master)["args"][1])
    assert scenario.parent == Path(mount["mountPath"])
    result = harness("validate", str(tmp_path / scenario.name), env=dict(os.environ))
    assert result.returncode == 0, result.stderr
