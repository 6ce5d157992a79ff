"""What `snapfeed dev` prints for a person (logs go through server/logs.py)."""

from __future__ import annotations

from pathlib import Path


def banner(
    base_url: str, *, data_dir: Path, demo_sign_in: tuple[str, str] | None, web_app: bool
) -> str:
    """The lines that stay on screen once everything is up."""
    rows = []
    if web_app:
        rows.append(("Web app", f"{base_url}/"))
    rows.append(("GraphiQL", f"{base_url}/graphql"))
    if demo_sign_in is not None:
        rows.append(("Sign in", f"{demo_sign_in[0]} / {demo_sign_in[1]}"))
    rows.append(("Data", str(data_dir.resolve())))
    rows.append(("Stop", "Ctrl-C"))
    width = max(len(label) for label, _ in rows)
    body = "\n".join(f"  {label:<{width}}  {value}" for label, value in rows)
    return f"\n  Snapfeed is ready.\n\n{body}\n"
