"""Runs the SCIM compliance suite scim2-tester against the local API's /scim/v2.

Usage: check.py BASE_URL API_KEY. Prints every check with its status; exits 1 when any check
fails or errors (a skipped check is listed with its reason; docs/scim.md says why each is).
"""

import sys

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server


def main() -> int:
    base, key = sys.argv[1], sys.argv[2]
    http = httpx2.Client(
        base_url=base.rstrip("/") + "/",
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    client = SyncSCIMClient(http)
    results = check_server(client)
    counts = {}
    for r in results:
        name = r.status.name
        counts[name] = counts.get(name, 0) + 1
        line = f"{name:8} {r.title}"
        if r.status != Status.SUCCESS and r.reason:
            line += f" -- {r.reason}"
        print(line)
    print("scim2-tester:", ", ".join(f"{n} {k.lower()}" for k, n in sorted(counts.items())))
    bad = sum(n for k, n in counts.items() if k in ("ERROR", "CRITICAL", "FAILURE"))
    print(f"{bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
