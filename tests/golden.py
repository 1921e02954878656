"""The decisions of a run, without wording: what must not move when the code is restructured."""

KEEP = {
    "inputs": ("file", "status", "unit_code", "rows"),
    "quotas": ("unit_code", "kind", "level", "award", "quota", "submitted", "proposed"),
    "caps": ("kind", "level", "award", "cap", "proposed"),
    "nominations": ("file", "sheet", "row", "unit_code", "kind", "name", "level", "award", "score", "status"),
    "issues": ("code", "severity", "file", "sheet", "cell", "unit_code"),
}
RANKED = ("unit_code", "name", "score", "rank", "awards", "needs_review")


def decisions(data: dict) -> dict:
    out = {key: [[item.get(k) for k in fields] for item in data[key]] for key, fields in KEEP.items()}
    out["rankings"] = {k: [[r.get(f) for f in RANKED] for r in rows] for k, rows in data["rankings"].items()}
    return out
