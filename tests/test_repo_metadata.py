"""Offline stand-in for hassfest and the HACS action: repository and integration metadata.

hassfest (`home-assistant/core:script/hassfest`) and `hacs/action` need the core checkout, a
container image or the GitHub API, so neither runs here. These tests mirror the checks of theirs
that a custom integration trips over (shared/HA-NOTES.md §1, §4 and table (a)):

* manifest.json: hassfest's `CUSTOM_INTEGRATION_MANIFEST_SCHEMA` keys, key order, required values;
* hacs.json: the HACS schema (`PREVENT_EXTRA`) and our minimum Home Assistant version;
* the repository layout HACS accepts and the brand icons it looks for;
* strings.json: no URLs, en.json in sync, every error/abort/step/translation key the code uses;
* quality_scale.yaml: exactly the 54 Integration Quality Scale rules, each with a valid status.

Nothing here needs a running Home Assistant.
"""

from __future__ import annotations

import ast
import json
import re
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from awesomeversion import AwesomeVersion, AwesomeVersionException, AwesomeVersionStrategy

from custom_components.media_request_tracker.tracker import RequestState
from custom_components.media_request_tracker.tracker.stuck import FailureCode, StuckCode

REPO = Path(__file__).resolve().parents[1]
DOMAIN = "media_request_tracker"
INTEGRATION = REPO / "custom_components" / DOMAIN

# hassfest `INTEGRATION_MANIFEST_SCHEMA` extended by `CUSTOM_INTEGRATION_MANIFEST_SCHEMA`
# (script/hassfest/manifest.py); the schema has no ALLOW_EXTRA, so any other key is an error.
HASSFEST_MANIFEST_KEYS = frozenset(
    {
        "domain",
        "name",
        "integration_type",
        "config_flow",
        "mqtt",
        "zeroconf",
        "ssdp",
        "bluetooth",
        "homekit",
        "dhcp",
        "usb",
        "documentation",
        "issue_tracker",
        "quality_scale",
        "requirements",
        "dependencies",
        "after_dependencies",
        "codeowners",
        "loggers",
        "disabled",
        "iot_class",
        "single_config_entry",
        # Custom integrations only.
        "version",
        "import_executor",
    }
)
HASSFEST_INTEGRATION_TYPES = frozenset(
    {"device", "entity", "hardware", "helper", "hub", "service", "system"}
)
# The strategies hassfest's `verify_version` accepts.
HASSFEST_VERSION_STRATEGIES = [
    AwesomeVersionStrategy.CALVER,
    AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER,
    AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]
SEMVER = re.compile(
    r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)

# `HACS_MANIFEST_JSON_SCHEMA` (hacs/integration custom_components/hacs/utils/validate.py).
HACS_JSON_KEYS = frozenset(
    {
        "name",
        "content_in_root",
        "country",
        "filename",
        "hacs",
        "hide_default_branch",
        "homeassistant",
        "persistent_directory",
        "render_readme",
        "zip_release",
    }
)
MIN_HOME_ASSISTANT = "2025.4.0"

# The Integration Quality Scale rules (shared/HA-NOTES.md table (a); hassfest `ALL_RULES`).
QUALITY_SCALE_RULES = frozenset(
    {
        # Bronze tier, 20 rules:
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow-test-coverage",
        "config-flow",
        "dependency-transparency",
        "docs-actions",
        "docs-triggers",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
        # Silver tier, 10 rules:
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
        # Gold tier, 21 rules:
        "devices",
        "diagnostics",
        "discovery-update-info",
        "discovery",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
        # Platinum tier, 3 rules:
        "async-dependency",
        "inject-websession",
        "strict-typing",
    }
)

URL = re.compile(r"https?://|www\.", re.IGNORECASE)
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
WORD = re.compile(r"[A-Za-z0-9_]+")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Optional brand images with a fixed size (HA 2026.3 brands proxy; logos may be any width).
# brand/icon.png itself is required: test_brand_icon_is_256_px.
BRAND_SIZES = {
    "icon@2x.png": (512, 512),
    "dark_icon.png": (256, 256),
    "dark_icon@2x.png": (512, 512),
}
# Aborts a config-flow helper raises without naming the reason in our code.
IMPLICIT_ABORTS = {
    "_abort_if_unique_id_configured": "already_configured",
    "_async_abort_entries_match": "already_configured",
    "_get_reauth_entry": "reauth_successful",
    "_get_reconfigure_entry": "reconfigure_successful",
}


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override tests/conftest.py's autouse fixture: these file checks need no `hass`."""


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _manifest() -> dict[str, Any]:
    return _json(INTEGRATION / "manifest.json")


def _strings() -> dict[str, Any]:
    return _json(INTEGRATION / "strings.json")


def _walk_strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield (dotted path, text) for every string in a JSON structure."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk_strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_strings(item, f"{path}[{index}]")


def _png_size(path: Path) -> tuple[int, int]:
    """Return (width, height) from a PNG's IHDR chunk, which must come first."""
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert header[12:16] == b"IHDR", f"{path.name} does not start with an IHDR chunk"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


# -- manifest.json -------------------------------------------------------------------------------


def test_manifest_has_only_hassfest_keys() -> None:
    unknown = set(_manifest()) - HASSFEST_MANIFEST_KEYS
    assert not unknown, f"hassfest rejects these manifest keys: {sorted(unknown)}"


def test_manifest_keys_are_sorted_like_hassfest() -> None:
    keys = list(_manifest())
    assert keys[:2] == ["domain", "name"], "manifest must start with domain, then name"
    assert keys[2:] == sorted(keys[2:]), "manifest keys after domain and name must be sorted"


def test_manifest_domain_matches_folder() -> None:
    assert _manifest()["domain"] == INTEGRATION.name == DOMAIN


def test_manifest_required_values() -> None:
    manifest = _manifest()
    assert isinstance(manifest["name"], str)
    assert manifest["name"].strip()
    codeowners = manifest["codeowners"]
    assert isinstance(codeowners, list)
    assert codeowners, "integration-owner needs a code owner"
    assert all(isinstance(owner, str) and owner.startswith("@") for owner in codeowners)
    assert manifest["config_flow"] is True
    assert (INTEGRATION / "config_flow.py").is_file(), "config_flow: true needs config_flow.py"
    assert manifest["dependencies"] == ["http", "webhook"]
    assert manifest["integration_type"] in HASSFEST_INTEGRATION_TYPES
    assert manifest["iot_class"] == "local_push"
    requirements = manifest["requirements"]
    assert isinstance(requirements, list)
    assert all(isinstance(requirement, str) for requirement in requirements)


@pytest.mark.parametrize("key", ["documentation", "issue_tracker"])
def test_manifest_urls_are_https(key: str) -> None:
    url = _manifest()[key]
    assert isinstance(url, str)
    assert re.fullmatch(r"https://[^\s/]+\.[^\s/]+(/\S*)?", url), f"{key} must be an https URL"
    # hassfest: documentation on home-assistant.io must be under /integrations/ (core only).
    assert not url.startswith("https://www.home-assistant.io/"), f"{key} points at HA's docs"


def test_manifest_version_is_valid() -> None:
    version = _manifest()["version"]
    assert isinstance(version, str)
    assert version
    try:
        AwesomeVersion(version, ensure_strategy=HASSFEST_VERSION_STRATEGIES)
    except AwesomeVersionException as err:  # pragma: no cover - reported as a failure
        pytest.fail(f"hassfest rejects version {version!r}: {err}")
    assert SEMVER.fullmatch(version), f"version {version!r} is not semantic (x.y.z)"


# -- hacs.json and repository layout -------------------------------------------------------------


def test_hacs_json_follows_the_hacs_schema() -> None:
    hacs = _json(REPO / "hacs.json")
    unknown = set(hacs) - HACS_JSON_KEYS
    assert not unknown, f"HACS rejects these hacs.json keys: {sorted(unknown)}"
    assert isinstance(hacs.get("name"), str)
    assert hacs["name"].strip(), "hacs.json needs a name"
    assert hacs.get("homeassistant") == MIN_HOME_ASSISTANT
    AwesomeVersion(hacs["homeassistant"], ensure_strategy=[AwesomeVersionStrategy.CALVER])
    if hacs.get("zip_release"):
        assert hacs.get("filename"), "zip_release needs filename"
    # The integration lives in custom_components/, not in the repository root.
    assert not hacs.get("content_in_root", False)


def test_one_integration_under_custom_components() -> None:
    root = REPO / "custom_components"
    assert (root / "__init__.py").is_file(), "custom_components/__init__.py is missing"
    folders = sorted(
        path.name for path in root.iterdir() if path.is_dir() and path.name != "__pycache__"
    )
    assert folders == [DOMAIN], f"HACS allows one folder under custom_components/: {folders}"
    integrations = [path.parent.name for path in root.glob("*/manifest.json")]
    assert integrations == [DOMAIN]


def test_brand_icon_is_256_px() -> None:
    assert (INTEGRATION / "brand" / "icon.png").is_file(), "brand/icon.png is missing"
    assert _png_size(INTEGRATION / "brand" / "icon.png") == (256, 256)


def test_brand_images_have_their_size() -> None:
    """Every image in brand/ is one Home Assistant knows, at the size it expects."""
    sizes = {"icon.png": (256, 256), **BRAND_SIZES}
    images = sorted((INTEGRATION / "brand").glob("*.png"))
    assert images, "brand/ holds no image"
    for path in images:
        assert path.name in sizes, f"brand/{path.name} is not a brand image name"
        assert _png_size(path) == sizes[path.name], path.name


def test_license_is_mit() -> None:
    assert (REPO / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_readme_documents_the_scripts() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "scripts/develop" in readme
    assert "scripts/test" in readme


# -- strings.json --------------------------------------------------------------------------------


def test_english_translation_equals_strings() -> None:
    assert _json(INTEGRATION / "translations" / "en.json") == _strings(), (
        "translations/en.json differs from strings.json"
    )


def test_strings_contain_no_urls() -> None:
    # hassfest: "the string should not contain URLs, please use description placeholders".
    offenders = [
        f"{path}: {text!r}" for path, text in _walk_strings(_strings()) if URL.search(text)
    ]
    assert not offenders, "URLs in strings.json:\n" + "\n".join(offenders)


def test_create_entry_placeholders_are_single_words() -> None:
    create_entry = _strings()["config"].get("create_entry", {})
    bad = [
        (key, name)
        for key, text in create_entry.items()
        for name in PLACEHOLDER.findall(text)
        if not WORD.fullmatch(name)
    ]
    assert not bad, f"placeholders in config.create_entry must be single words: {bad}"


class _FlowScan(ast.NodeVisitor):
    """Collect the translation keys the flow modules use, by flow kind (config or options)."""

    def __init__(self) -> None:
        self.kind = "config"
        self.errors: dict[str, set[str]] = {"config": set(), "options": set()}
        self.aborts: dict[str, set[str]] = {"config": set(), "options": set()}
        self.steps: dict[str, set[str]] = {"config": set(), "options": set()}
        self.create_entry: set[str] = set()
        self.create_entry_placeholders: dict[str, set[str]] = {}
        self.helpers: set[str] = set()

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [ast.unparse(base) for base in node.bases]
        kind = "options" if any("OptionsFlow" in base for base in bases) else "config"
        previous, self.kind = self.kind, kind
        self.generic_visit(node)
        self.kind = previous

    def visit_Assign(self, node: ast.Assign) -> None:
        # errors[<anything>] = "<key>"
        for target in node.targets:
            if (
                isinstance(target, ast.Subscript)
                and isinstance(target.value, ast.Name)
                and target.value.id == "errors"
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                self.errors[self.kind].add(node.value.value)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in IMPLICIT_ABORTS:
            self.helpers.add(node.attr)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = ast.unparse(node.func).rsplit(".", 1)[-1]
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg}

        def text(key: str) -> str | None:
            value = keywords.get(key)
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
            return None

        if name == "async_abort" and (reason := text("reason")):
            self.aborts[self.kind].add(reason)
        if name == "async_show_form" and (step_id := text("step_id")):
            self.steps[self.kind].add(step_id)
        description = text("description")
        if name == "async_create_entry" and self.kind == "config" and description:
            self.create_entry.add(description)
            placeholders = keywords.get("description_placeholders")
            if isinstance(placeholders, ast.Dict):
                self.create_entry_placeholders[description] = {
                    key.value
                    for key in placeholders.keys
                    if isinstance(key, ast.Constant) and isinstance(key.value, str)
                }
        self.generic_visit(node)


# The modules of the config and options flows: the flows and the set-up form they share.
FLOW_MODULES = ("config_flow.py", "options_flow.py", "stack_form.py")


def _scan_config_flow() -> _FlowScan:
    scan = _FlowScan()
    for name in FLOW_MODULES:
        scan.visit(ast.parse((INTEGRATION / name).read_text(encoding="utf-8")))
    return scan


def test_config_flow_errors_are_translated() -> None:
    strings = _strings()
    scan = _scan_config_flow()
    assert scan.errors["config"], f'no `errors[...] = "..."` found in {FLOW_MODULES}'
    for kind in ("config", "options"):
        missing = scan.errors[kind] - set(strings.get(kind, {}).get("error", {}))
        assert not missing, f"{kind}.error lacks {sorted(missing)}"


def test_config_flow_aborts_are_translated() -> None:
    strings = _strings()
    scan = _scan_config_flow()
    # The reauth and reconfigure steps abort with reauth_/reconfigure_successful.
    scan.aborts["config"] |= {IMPLICIT_ABORTS[helper] for helper in scan.helpers}
    for kind in ("config", "options"):
        missing = scan.aborts[kind] - set(strings.get(kind, {}).get("abort", {}))
        assert not missing, f"{kind}.abort lacks {sorted(missing)}"


def test_config_flow_steps_are_translated() -> None:
    strings = _strings()
    scan = _scan_config_flow()
    for kind in ("config", "options"):
        missing = scan.steps[kind] - set(strings.get(kind, {}).get("step", {}))
        assert not missing, f"{kind}.step lacks {sorted(missing)}"


def test_create_entry_descriptions_are_translated() -> None:
    create_entry = _strings()["config"].get("create_entry", {})
    scan = _scan_config_flow()
    missing = scan.create_entry - set(create_entry)
    assert not missing, f"config.create_entry lacks {sorted(missing)}"
    for key, passed in scan.create_entry_placeholders.items():
        assert set(PLACEHOLDER.findall(create_entry[key])) == passed, (
            f"config.create_entry.{key}: placeholders differ from description_placeholders"
        )


# Modules of entities whose platform module is another one (sensor.py adds the summaries).
PLATFORM_OF = {"summary_sensors": "sensor"}


def platform(path: Path) -> str:
    """Return the entity platform a module's entities belong to."""
    return PLATFORM_OF.get(path.stem, path.stem)


def _translation_keys_in_code() -> list[tuple[str, str, str, set[str] | None]]:
    """Return (file, section, key, placeholders) for each literal translation key in the code.

    `placeholders` is the set of `translation_placeholders` keys when they are a dict literal
    (empty when none are passed), or None when they cannot be read statically.
    """
    found: list[tuple[str, str, str, set[str] | None]] = []
    for path in sorted(INTEGRATION.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if (
                    any(ast.unparse(target).endswith("_attr_translation_key") for target in targets)
                    and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)
                ):
                    # An entity class: the platform is the module's name (sensor.py → sensor).
                    found.append((path.name, f"entity.{platform(path)}", node.value.value, None))
            elif isinstance(node, ast.Call):
                keywords = {keyword.arg: keyword.value for keyword in node.keywords}
                value = keywords.get("translation_key")
                if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
                    continue
                if ast.unparse(node.func).endswith("async_create_issue"):
                    section = "issues"
                elif "translation_domain" in keywords:
                    section = "exceptions"
                else:
                    section = f"entity.{platform(path)}"
                passed = keywords.get("translation_placeholders")
                placeholders: set[str] | None = None
                if passed is None:
                    placeholders = set()
                elif isinstance(passed, ast.Dict):
                    placeholders = {
                        key.value
                        for key in passed.keys
                        if isinstance(key, ast.Constant) and isinstance(key.value, str)
                    }
                found.append((path.name, section, value.value, placeholders))
    return found


def test_translation_keys_in_code_exist() -> None:
    strings = _strings()
    found = _translation_keys_in_code()
    assert found, "no translation_key found in the integration's code"
    missing = []
    for file_name, section, key, _ in found:
        node: Any = strings
        for part in section.split("."):
            node = node.get(part, {}) if isinstance(node, dict) else {}
        if key not in node:
            missing.append(f"{file_name}: {section}.{key}")
    assert not missing, f"translation keys missing from strings.json: {missing}"


def test_exception_placeholders_match_the_code() -> None:
    exceptions = _strings().get("exceptions", {})
    mismatched = [
        f"{file_name}: exceptions.{key} uses {sorted(used)}, the code passes {sorted(passed)}"
        for file_name, section, key, passed in _translation_keys_in_code()
        if section == "exceptions" and passed is not None and key in exceptions
        if (used := set(PLACEHOLDER.findall(exceptions[key]["message"]))) != passed
    ]
    assert not mismatched, "; ".join(mismatched)


def test_request_states_are_translated() -> None:
    states = _strings()["entity"]["sensor"]["request"]["state"]
    assert set(states) == {state.value for state in RequestState}
    assert all(text.strip() for text in states.values())


def test_stuck_codes_are_translated() -> None:
    attribute = _strings()["entity"]["sensor"]["request"]["state_attributes"]["stuck_code"]
    assert set(attribute["state"]) == {code.value for code in StuckCode}
    assert all(text.strip() for text in attribute["state"].values())


def test_failure_codes_are_translated() -> None:
    attribute = _strings()["entity"]["sensor"]["request"]["state_attributes"]["failure_code"]
    assert set(attribute["state"]) == {code.value for code in FailureCode}
    assert all(text.strip() for text in attribute["state"].values())


def test_request_states_have_icons() -> None:
    icons = _json(INTEGRATION / "icons.json")["entity"]["sensor"]["request"]
    assert set(icons.get("state", {})) == {state.value for state in RequestState}
    all_icons = [icons.get("default"), *icons["state"].values()]
    assert all(isinstance(icon, str) and icon.startswith("mdi:") for icon in all_icons)


# -- services.yaml -------------------------------------------------------------------------------


def _services_yaml() -> dict[str, Any]:
    data = yaml.safe_load((INTEGRATION / "services.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_actions_are_described_translated_and_have_icons() -> None:
    """hassfest (script/hassfest/services.py): each action and field has a name and description."""
    actions = _services_yaml()
    strings = _strings()["services"]
    icons = _json(INTEGRATION / "icons.json")["services"]
    assert set(actions) == set(strings) == set(icons)
    for action, spec in actions.items():
        text = strings[action]
        assert text["name"].strip()
        assert text["description"].strip()
        assert set(spec.get("fields", {})) == set(text.get("fields", {})), action
        for field in text.get("fields", {}).values():
            assert field["name"].strip()
            assert field["description"].strip()
        assert icons[action]["service"].startswith("mdi:")


def test_action_selectors_are_translated() -> None:
    """A select selector with a translation_key has a label for each of its options."""
    labels = _strings().get("selector", {})
    for action, spec in _services_yaml().items():
        for name, field in spec.get("fields", {}).items():
            select = field["selector"].get("select") or {}
            if key := select.get("translation_key"):
                assert set(labels[key]["options"]) == set(select["options"]), f"{action}.{name}"


def test_the_state_filter_offers_every_state() -> None:
    select = _services_yaml()["get_requests"]["fields"]["state"]["selector"]["select"]
    assert select["options"] == [state.value for state in RequestState]


# -- quality_scale.yaml --------------------------------------------------------------------------


def _quality_scale_rules() -> dict[str, Any]:
    data = yaml.safe_load((INTEGRATION / "quality_scale.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    assert set(data) == {"rules"}, "quality_scale.yaml has one top-level key: rules"
    rules: dict[str, Any] = data["rules"]
    return rules


def test_quality_scale_lists_every_rule() -> None:
    assert len(QUALITY_SCALE_RULES) == 54
    rules = set(_quality_scale_rules())
    assert not rules - QUALITY_SCALE_RULES, f"unknown rules: {sorted(rules - QUALITY_SCALE_RULES)}"
    assert not QUALITY_SCALE_RULES - rules, f"missing rules: {sorted(QUALITY_SCALE_RULES - rules)}"


def test_quality_scale_statuses_are_valid() -> None:
    problems = []
    for rule, value in _quality_scale_rules().items():
        if isinstance(value, str):
            if value not in {"done", "todo"}:
                problems.append(f"{rule}: {value!r} (a bare status is done or todo)")
            continue
        if not isinstance(value, dict) or set(value) - {"status", "comment"}:
            problems.append(f"{rule}: expected done/todo or {{status, comment}}, got {value!r}")
            continue
        status, comment = value.get("status"), value.get("comment")
        if status not in {"done", "todo", "exempt"}:
            problems.append(f"{rule}: status {status!r}")
        if comment is not None and not isinstance(comment, str):
            problems.append(f"{rule}: comment must be text")
        if status == "exempt" and not (isinstance(comment, str) and comment.strip()):
            problems.append(f"{rule}: exempt needs a comment")
    assert not problems, "quality_scale.yaml: " + "; ".join(problems)
