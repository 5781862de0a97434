"""The generated client (openapi-python-client) against the running API: `scripts/check-openapi.sh`.

`--import-only` imports every generated module (a module that fails to import is a client its
users cannot use). Otherwise it also drives one flow with the manager key in ROSTER_API_KEY
against ROSTER_URL, and asserts that every answer parses into the generated typed model (a
`Problem`, or a raw answer the client could not type, fails).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
import uuid
from pathlib import Path
from typing import Any

PACKAGE = "roster_client"


def load(client_dir: Path) -> list[str]:
    """Imports the package and every module in it; returns the names of the ones that fail."""
    spec = importlib.util.spec_from_file_location(
        PACKAGE, client_dir / "__init__.py", submodule_search_locations=[str(client_dir)]
    )
    if spec is None or spec.loader is None:
        raise SystemExit(f"no generated package in {client_dir}")
    package = importlib.util.module_from_spec(spec)
    sys.modules[PACKAGE] = package
    spec.loader.exec_module(package)
    failed = []
    count = 0
    for path in sorted(client_dir.rglob("*.py")):
        parts = list(path.relative_to(client_dir).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join([PACKAGE, *parts])
        try:
            importlib.import_module(name)
            count += 1
        except Exception as e:  # noqa: BLE001 — every failure is reported
            failed.append(f"{name}: {e!r}")
    print(f"imported {count} generated modules", file=sys.stderr)
    return failed


def expect(response: Any, status: int, model: type | None) -> Any:
    """The response has `status` and (when `model`) its body parsed into `model`."""
    parsed = response.parsed
    if response.status_code != status:
        raise AssertionError(f"expected {status}, got {response.status_code}: {response.content!r}")
    if model is not None and not isinstance(parsed, model):
        raise AssertionError(f"expected a {model.__name__}, got {type(parsed).__name__}: {parsed!r}")
    return parsed


def flow() -> None:
    from roster_client import Client
    from roster_client.api.me import get_me, patch_me
    from roster_client.api.users import (
        create_users,
        delete_user,
        get_profile,
        get_user,
        list_users,
        patch_profile,
        patch_user,
    )
    from roster_client.models import (
        MePatch,
        NewUser,
        Profile,
        ProfilePatch,
        Status,
        User,
        UserPage,
        UserPatch,
    )

    client = Client(
        base_url=os.environ["ROSTER_URL"],
        headers={"x-api-key": os.environ["ROSTER_API_KEY"]},
        timeout=30.0,
    )
    name = f"flow-{uuid.uuid4().hex[:8]}"
    created = expect(
        create_users.sync_detailed(client=client, body=NewUser(username=name, name="Flow Person")),
        201,
        User,
    )
    assert created.username == name and created.version == 1, created
    got = expect(get_user.sync_detailed(created.id, client=client), 200, User)
    assert got.id == created.id, got
    patched = expect(
        patch_user.sync_detailed(
            created.id, client=client, body=UserPatch(name="Flow Renamed"), if_match='"1"'
        ),
        200,
        User,
    )
    assert patched.name == "Flow Renamed" and patched.version == 2, patched
    stale = patch_user.sync_detailed(
        created.id, client=client, body=UserPatch(name="Lost"), if_match='"1"'
    )
    assert stale.status_code == 412, stale.content
    page = expect(list_users.sync_detailed(client=client, username=name), 200, UserPage)
    assert [u.id for u in page.data] == [created.id], page
    profile = expect(get_profile.sync_detailed(created.id, client=client), 200, Profile)
    changed = expect(
        patch_profile.sync_detailed(
            created.id,
            client=client,
            body=ProfilePatch(timezone="Europe/Copenhagen"),
            if_match=f'"{profile.version}"',
        ),
        200,
        Profile,
    )
    assert changed.timezone == "Europe/Copenhagen", changed
    me = expect(get_me.sync_detailed(client=client), 200, User)
    renamed_me = expect(
        patch_me.sync_detailed(client=client, body=MePatch(phone="+45 12 34 56 78")),
        200,
        User,
    )
    assert renamed_me.id == me.id, renamed_me
    expect(delete_user.sync_detailed(created.id, client=client), 204, None)
    gone = expect(get_user.sync_detailed(created.id, client=client), 200, User)
    assert gone.status == Status.DELETED, gone
    print("flow through the generated client: ok", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", type=Path, required=True)
    parser.add_argument("--import-only", action="store_true")
    args = parser.parse_args()
    failed = load(args.client.resolve())
    if failed:
        raise SystemExit("generated modules that do not import:\n  " + "\n  ".join(failed))
    if not args.import_only:
        flow()


if __name__ == "__main__":
    main()
