"""README "Use it in your own app": one app folder and shared/, copied into an empty folder, with
only four packages installed, make a receiver that stores a signed report.

The copy runs in a fresh interpreter that can import the standard library, the copied folders,
and the four packages with what they require (their installed metadata says what), and nothing
else: not the rest of this project, not the extras' packages (prometheus_client, phonenumbers).
"""

import json
import re
import shutil
import subprocess
import sys
from importlib.metadata import distribution, packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tools.footprint import embed

PACKAGES = {"plivo": ("Flask", "plivo", "SQLAlchemy", "python-dotenv"),
            "vonage": ("Flask", "vonage", "SQLAlchemy", "python-dotenv")}
FOLDERS = {"plivo": "plivo_app", "vonage": "nexmo_app"}
ROOT = Path(__file__).resolve().parent.parent

# Before anything else: every import outside what the copy has installed fails, as it would.
PRELUDE = """
import importlib.abc, json, sys
ALLOWED = set(json.loads(%r))

class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        top = name.partition(".")[0]
        if top in ALLOWED or top in sys.stdlib_module_names or top.startswith("_"):
            return None
        raise ModuleNotFoundError(f"No module named {top!r} in this copy", name=top)

sys.meta_path.insert(0, NotInstalled())
"""


def installed(names) -> set[str]:
    """The distributions these need, as pip would install them (extras and markers applied)."""
    seen, todo = set(), list(names)
    while todo:
        requirement = Requirement(todo.pop())
        key = requirement.name.lower().replace("_", "-")
        if key in seen:
            continue
        seen.add(key)
        for needed in distribution(requirement.name).requires or []:
            marker = Requirement(needed).marker
            if marker is None or marker.evaluate({"extra": ""}):
                todo.append(needed)
    return seen


def importable(distributions: set[str]) -> list[str]:
    return sorted(module for module, owners in packages_distributions().items()
                  if any(o.lower().replace("_", "-") in distributions for o in owners))


@pytest.mark.parametrize("provider", ["plivo", "vonage"])
def test_one_app_folder_and_shared_with_four_packages_store_a_signed_report(provider, tmp_path):
    folder = FOLDERS[provider]
    for name in (folder, "shared"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    allowed = importable(installed(PACKAGES[provider])) + [folder, "shared"]
    assert "prometheus_client" not in allowed and "phonenumbers" not in allowed
    result = embed(provider, tmp_path, PRELUDE % json.dumps(allowed))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert {Path(name).parts[0] for name in loaded} == {folder, "shared"}


def test_the_readme_names_the_four_packages_at_the_pinned_versions():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", (ROOT / "requirements.txt")
                           .read_text(), re.M))
    for provider, packages in PACKAGES.items():
        line = next(row for row in readme.splitlines()
                    if row.startswith(f"| {provider.capitalize()} |"))
        assert line.count("==") == 4
        for package in packages:
            assert f"{package}=={pins[package]}" in line, (provider, package)


def test_a_copy_cannot_import_what_it_did_not_install(tmp_path):
    shutil.copytree(ROOT / "shared", tmp_path / "shared")
    probe = PRELUDE % json.dumps(["shared", "dotenv"]) + "import shared, prometheus_client\n"
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True)
    assert "No module named 'prometheus_client' in this copy" in result.stderr
