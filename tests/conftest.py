"""Which tests are slow: `pytest -m "not slow"` is the quick inner loop (about a minute), the whole
suite runs everything. Kept in one list here, by module or by test, rather than spread over files."""

from __future__ import annotations

import pytest

# Modules whose tests start processes (pylint, flake8, language servers, pre-commit) or run the real
# frameworks, and tests that check thousands of files or generated programs.
SLOW_MODULES = ("oracle/", "test_corpus.py", "test_training_corpus.py", "test_integrations.py", "test_lsp.py",
                "test_pylint_plugin.py", "test_pylsp_plugin.py", "test_jupyterlab.py", "test_lsp_protocol.py")
SLOW_TESTS = ("test_generated_programs", "test_generated_syntax_trees", "test_unusual_but_valid_files_are_analysed",
              "test_a_process_killed_by_a_file_costs_only_that_file", "test_parallel_runs_share_the_cache_safely",
              "test_flake8_reports_what_the_command_reports", "test_select_ignore_and_noqa",
              "test_the_pre_commit_hooks_pass")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = item.path.as_posix()
        if any(f"/tests/{module}" in path for module in SLOW_MODULES) or item.name.split("[")[0] in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
