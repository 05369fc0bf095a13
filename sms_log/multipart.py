"""Roll the parts of a long message up into one answer (the README's "What the statuses mean").

A multipart message is delivered when every part is, failed when any part failed, pending
otherwise. Plivo's PartInfo ("2 of 3") tells how many parts to expect, so a message whose
third part has not reported yet is still pending.
"""

import re

PART_INFO = re.compile(r"^\s*(\d+)\s+of\s+(\d+)\s*$")


def part_number(part: dict) -> int:
    """ "10 of 12" sorts after "2 of 12": by number, not by text."""
    match = PART_INFO.match(part.get("part_info") or "")
    return int(match.group(1)) if match else 0


def expected_parts(parts: list[dict]) -> int:
    totals = [int(m.group(2)) for p in parts if (m := PART_INFO.match(p.get("part_info") or ""))]
    return max([len(parts), *totals])


def rollup(parts: list[dict]) -> dict:
    outcomes = [p["outcome"] for p in parts]
    expected = expected_parts(parts)
    if "failed" in outcomes:
        outcome = "failed"
    elif len(parts) == expected and all(o == "delivered" for o in outcomes):
        outcome = "delivered"
    else:
        outcome = "pending"
    return {
        "outcome": outcome,
        "parts_expected": expected,
        "parts_reported": len(parts),
        "parts_delivered": outcomes.count("delivered"),
        "parts_failed": outcomes.count("failed"),
    }
