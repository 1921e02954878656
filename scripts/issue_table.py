"""Print the README's table of issue codes from the catalog: python scripts/issue_table.py"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from thidua.issues import CATALOG  # noqa: E402
from thidua.terms import SEVERITIES  # noqa: E402

print("| mã | mức độ | vấn đề |\n|---|---|---|")
for code, kind in CATALOG.items():
    print(f"| `{code}` | {SEVERITIES[kind.severity]} | {kind.title} |")
