"""Fail when a line of the exported package is longer than 120 characters.

The notebooks are checked by ruff (E501); this checks what nbdev_export makes of them. The one exception is the first
line of nbdev's generated `__all__`, which nbdev wraps at 120 characters before prefixing `__all__ = ` (up to 130).
"""

import sys
from pathlib import Path

LIMIT = 120


def long_lines(package: Path) -> list[str]:
    "`file:line: length` of every line over the limit, nbdev's `__all__` line aside."
    found = []
    for path in sorted(package.glob("*.py")):
        if path.name == "_modidx.py":  # nbdev's generated index
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if len(line) > LIMIT and not line.startswith("__all__ = ["):
                found.append(f"{path}:{number}: {len(line)} characters")
    return found


if __name__ == "__main__":
    problems = long_lines(Path(__file__).resolve().parents[1] / "mind_the_glitch")
    print("\n".join(problems) or f"check_lines: every package line is within {LIMIT} characters")
    sys.exit(1 if problems else 0)
