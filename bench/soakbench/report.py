"""The goals checked against the results, and the text report."""

from __future__ import annotations

from typing import Any

from feedbench.table import table

from .config import RECOVERY_GOAL_S


def goals(results: dict[str, Any]) -> list[dict[str, Any]]:
    audit = results["audit"]
    faults = results["faults"]
    slow = [
        f"{f['kind']}: {kind} {'never' if s is None else f'{s:.1f} s'}"
        for f in faults
        for kind, s in f["recovery"].items()
        if s is None or s > RECOVERY_GOAL_S
    ]
    done = sorted(f["kind"] for f in faults if f["back"] >= f["down"] >= 0)
    lost_writes = sum(audit["lost_writes"].values())
    wrong_counters = sum(audit["wrong_counters"].values())
    live = results["live"]
    rows = [
        ("every planned fault happened", len(done) == len(results["planned"]), ", ".join(done)),
        ("0 lost posts", not audit["lost_posts"], f"{len(audit['lost_posts'])} lost"),
        ("0 stuck posts", not audit["stuck_posts"], f"{len(audit['stuck_posts'])} processing"),
        ("0 lost follows, likes, comments", lost_writes == 0, str(audit["lost_writes"])),
        (
            "0 wrong feeds",
            not audit["wrong_feeds"] and audit["feeds_checked"] > 0,
            f"{len(audit['wrong_feeds'])} of {audit['feeds_checked']}",
        ),
        ("0 wrong counters", wrong_counters == 0, str(audit["wrong_counters"])),
        (
            "no server error outside a dependency's down time (+10 s)",
            not results["misplaced_errors"],
            f"{len(results['misplaced_errors'])} outside",
        ),
        (f"recovery within {RECOVERY_GOAL_S:.0f} s of each fault", not slow, "; ".join(slow)),
        (
            "live updates reach every subscription after the faults",
            live["probe_missing"] == 0 and live["subscribers"] > 0,
            f"{live['subscribers'] - live['probe_missing']} of {live['subscribers']}",
        ),
    ]
    return [{"goal": g, "passed": bool(p), "detail": d} for g, p, d in rows]


def _errors(codes: dict[str, int]) -> str:
    return ", ".join(f"{code} {n}" for code, n in codes.items()) or "-"


def report(results: dict[str, Any]) -> str:
    faults = [
        {
            "fault": f["kind"],
            "at": f"{f['down']:.1f}",
            "down s": f"{f['back'] - f['down']:.1f}",
            "recovery s (slowest kind)": _slowest(f["recovery"]),
            "note": f["note"],
        }
        for f in results["faults"]
    ]
    phases = [
        {
            "phase": p["phase"],
            "requests": p["requests"],
            "ok": p["ok"],
            "server errors": p["server_errors"],
            "errors by code": _errors(p["errors"]),
        }
        for p in results["phases"]
    ]
    kinds = [
        {
            "kind": kind,
            "requests": c["requests"],
            "ok": c.get("ok", 0),
            "errors by code": _errors({k: v for k, v in c.items() if k not in ("requests", "ok")}),
        }
        for kind, c in results["kinds"].items()
    ]
    audit = results["audit"]
    lines = [
        f"Soak: {results['options']['duration']:.0f} s, {results['options']['clients']} clients,"
        f" {results['users']} users, {results['requests']:,} requests"
        f" ({results['requests'] / max(results['options']['duration'], 1):.1f}/s)",
        "",
        table(faults, [(k, k) for k in faults[0]]) if faults else "no faults",
        "",
        table(phases, [(k, k) for k in phases[0]]),
        "",
        table(kinds, [(k, k) for k in kinds[0]]),
        "",
        f"posts: {audit['posts_acknowledged']} acknowledged by createPost, states"
        f" {audit['post_states']}, {results['posts_unanswered']} createPost never answered;"
        f" settled in {audit['settle_s']:.1f} s",
        f"feeds: {audit['feeds_checked']} compared with the pull query"
        f" ({audit['feed_ids_compared']:,} ids); counters: {audit['wrong_counters']}",
        f"live: {results['live']}; workers that exited by themselves:"
        f" {results['worker_exits'] or 'none'}",
        *(f"  {example}" for example in audit["counter_examples"] + audit["feed_examples"][:10]),
        *(f"  missing post: {d}" for d in audit.get("feed_diagnoses", [])),
        "",
        table(
            [
                {"goal": g["goal"], "": "PASS" if g["passed"] else "FAIL", "detail": g["detail"]}
                for g in results["goals"]
            ],
            [("goal", "goal"), ("", ""), ("detail", "detail")],
        ),
        "",
        results["environment"],
    ]
    return "\n".join(lines)


def _slowest(recovery: dict[str, float | None]) -> str:
    if not recovery:
        return "-"
    kind, seconds = max(recovery.items(), key=lambda kv: float("inf") if kv[1] is None else kv[1])
    return f"{'never' if seconds is None else f'{seconds:.1f}'} ({kind})"
