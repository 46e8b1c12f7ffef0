"""The first hour of a plugin author from cqpkit's wheel (issue 20, point 1): see tests/test_first_hour.py.

cqpkit installed from its wheel (built once for the run: ``wheel_path`` in tests/conftest.py) in a new virtual
environment, then the commands ``cqpkit new-plugin`` prints, run as printed in a shell: its own new virtual
environment, cqpkit from the same wheel, the plugin, its checks. A file of its own so that pytest-xdist runs it
beside the checkout's (tests/test_first_hour.py), each a minute or more of virtual environments.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from cqpkit.cli.authoring import DOC_TOPICS

from tests.conftest import ROOT
from tests.test_first_hour import assert_self_contained, printed_steps, run_as_printed, shell_env


@pytest.mark.slow
class TestAsPrinted:
    """The printed commands, run as printed in a shell, on a machine where cqpkit is on no package index."""

    def test_from_a_wheel(self, wheel_path, tmp_path):
        """cqpkit installed from its wheel: ``cqpkit doc`` works, new-plugin names the wheel, and its lines run as printed."""
        env = shell_env(tmp_path)
        subprocess.run(["python3", "-m", "venv", str(tmp_path / "outil")], check=True, env=env, timeout=300)
        bin_dir = tmp_path / "outil" / "bin"
        pip = subprocess.run(
            [str(bin_dir / "pip"), "install", "-q", str(wheel_path)],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert pip.returncode == 0, pip.stderr[-3000:]
        cqpkit = str(bin_dir / "cqpkit")

        for topic, (source, _) in DOC_TOPICS.items():
            page = subprocess.run([cqpkit, "doc", topic], env=env, capture_output=True, text=True, timeout=120)
            assert page.returncode == 0 and page.stdout == (ROOT / source).read_text(encoding="utf-8"), topic
        shipped = subprocess.run(
            [cqpkit, "doc", "--path", "plugin"], env=env, capture_output=True, text=True, timeout=120
        ).stdout
        assert Path(shipped.strip()).parts[-3:] == ("cqpkit", "_docs", "plugin.md") and "site-packages" in shipped

        work = tmp_path / "travail"
        work.mkdir()
        proc = subprocess.run(
            [cqpkit, "new-plugin", "ma-branche"], cwd=work, env=env, capture_output=True, text=True, timeout=120
        )
        assert proc.returncode == 0, proc.stderr
        steps = printed_steps(proc.stdout)
        assert re.match(rf"\.venv/bin/pip install {re.escape(str(wheel_path))} +# cqpkit d'abord", steps[2]), steps
        assert_self_contained(work / "cqpkit-ma-branche")

        done = run_as_printed(steps, work, env)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        assert re.search(r"^ma-branche\.mon-cqp +\d{4} ", done.stdout, re.M), done.stdout
        assert re.search(r"^=+ \d+ passed, 1 skipped in ", done.stdout, re.M), done.stdout[-2000:]
