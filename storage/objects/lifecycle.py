"""S3 lifecycle rules Snapfeed owns: variants move to colder classes as they age."""

from __future__ import annotations

from typing import Any

VARIANTS_RULE_ID = "snapfeed-variant-tiers"
UPLOADS_RULE_ID = "snapfeed-abort-incomplete-uploads"
RULE_IDS = frozenset({VARIANTS_RULE_ID, UPLOADS_RULE_ID})
# S3 bills Standard-IA and Glacier Instant Retrieval objects as at least 128 KiB, and by
# default does not transition smaller ones: thumbnails would cost more there, not less.
MIN_TRANSITION_BYTES = 128 * 1024
MIN_IA_DAYS = 30  # S3 refuses a Standard-IA transition earlier than this


def variant_rules(ia_days: int, glacier_ir_days: int) -> list[dict[str, Any]]:
    """Our rules: variants (`media/`) of at least 128 KiB go to STANDARD_IA after `ia_days`
    and GLACIER_IR after `glacier_ir_days` (0 leaves a step out); unfinished multipart
    uploads (large originals) are aborted after a week."""
    if ia_days < 0 or glacier_ir_days < 0:
        raise ValueError("lifecycle days must not be negative")
    if 0 < ia_days < MIN_IA_DAYS:
        raise ValueError(
            f"S3 moves objects to STANDARD_IA after {MIN_IA_DAYS} days at the earliest"
        )
    if ia_days and glacier_ir_days and glacier_ir_days <= ia_days:
        raise ValueError("GLACIER_IR must come after STANDARD_IA")
    transitions = [
        {"Days": days, "StorageClass": storage_class}
        for days, storage_class in ((ia_days, "STANDARD_IA"), (glacier_ir_days, "GLACIER_IR"))
        if days
    ]
    rules: list[dict[str, Any]] = []
    if transitions:
        rules.append(
            {
                "ID": VARIANTS_RULE_ID,
                "Status": "Enabled",
                "Filter": {
                    "And": {"Prefix": "media/", "ObjectSizeGreaterThan": MIN_TRANSITION_BYTES - 1}
                },
                "Transitions": transitions,
            }
        )
    rules.append(
        {
            "ID": UPLOADS_RULE_ID,
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
        }
    )
    return rules


def merged(existing: list[dict[str, Any]], ours: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The bucket's rules with ours replaced (rules of others are kept as they are)."""
    return [r for r in existing if r.get("ID") not in RULE_IDS] + ours
