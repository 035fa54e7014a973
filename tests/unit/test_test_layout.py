"""The test suite's own layout: test modules share code through the helper modules
(tests/worlds.py, tests/factories.py, tests/web/helpers.py…), never by importing each
other — an imported test module is loaded twice and its tests' data can change under
the other module's feet."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("tests", "e2e", "bench")


def _python_files() -> list[Path]:
    return sorted(path for folder in FOLDERS for path in (ROOT / folder).rglob("*.py"))


def _test_module_names() -> set[str]:
    return {path.stem for path in _python_files() if path.stem.startswith("test_")}


def imported_test_modules(source: str, test_modules: set[str]) -> list[str]:
    """The imports in `source` that name one of `test_modules` (any part of a dotted
    name, or a name taken from a package: `from tests.web import test_editor`)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names
                      if set(alias.name.split(".")) & test_modules]
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if set(module.strip(".").split(".")) & test_modules:
                found.append(module)
            elif node.level or module.split(".")[0] in FOLDERS:
                found += [f"{module}.{alias.name}" for alias in node.names
                          if alias.name in test_modules]
    return found


def test_no_module_of_the_suite_imports_a_test_module():
    test_modules = _test_module_names()
    assert len(test_modules) > 30  # the scan sees the suite
    offenders = {str(path.relative_to(ROOT)): imports for path in _python_files()
                 if (imports := imported_test_modules(path.read_text(encoding="utf-8"),
                                                      test_modules))}
    assert offenders == {}


def test_the_check_sees_every_form_of_import():
    names = {"test_documents", "test_setup_pages"}
    assert imported_test_modules(
        "from tests.services.test_documents import pdf_text\n"
        "import tests.web.test_setup_pages\n"
        "from tests.services import test_documents\n"
        "from .test_setup_pages import error_next_to\n"
        "from test_documents import flat\n", names) == [
        "tests.services.test_documents", "tests.web.test_setup_pages",
        "tests.services.test_documents", ".test_setup_pages", "test_documents"]
    assert imported_test_modules(
        "from tests.worlds import document_invoice\n"
        "from tests.factories import make_contract\n"
        "from app.billing import test_mode\n", names | {"test_mode"}) == []
