"""Schemathesis hooks for `scripts/fuzz.sh`: rules of the Roster API that OpenAPI cannot state.

They only keep *positive* requests (those schemathesis asserts must be accepted) within rules that
openapi.yaml documents in prose; negative requests are sent as generated and must still be refused.

1. `cursor` is an opaque token the server issues, bound to the organization and to the listing
   that issued it; any other value is 400 `INVALID_CURSOR` (SPEC §4). A positive request keeps a
   cursor only when this run saw the same listing (same path, same index: `/v1/users` with
   `updatedSince` reads another index) issue it as `pagination.nextCursor`; a made-up one is
   dropped. The stateful phase still follows the `NextPage` links with real cursors.
2. `page` and `cursor` are alternatives (400 when both are sent): a positive request that keeps a
   cursor drops `page`.
3. A `username` is 1–64 Unicode letters, digits and `. _ - @ +`. openapi.yaml states it in prose
   only (JSON Schema patterns cannot say "Unicode letter" portably), so a positive request's
   usernames (body, `username` path and query parameters) have every other character replaced
   by `u`; their length, and the schema's other rules, stay as generated.
5. `If-Match` is `*` or a list of entity tags (RFC 9110; openapi.yaml's pattern): schemathesis's
   coverage phase sends unquoted values such as `0` as positive, which the server rightly
   refuses (400); a positive request's malformed If-Match is quoted (`"0"`), a well-formed tag
   that may not match (412, allowed for every PATCH).
4. A page number reaches at most 10,000 items deep (`(page - 1) × limit ≤ 10000`, else 400): a
   positive request's `page` is lowered to the deepest page its `limit` allows.

And two checks of our own: deleting a user is soft (SPEC §3: it can be restored; the native API
and the seed-002 surface read it with status DELETED), so schemathesis's `use_after_free` is off
for the reads and PATCHes of a user's own data (tools/fuzz/schemathesis.toml) and, for a user
this run deleted (and did not restore), `soft_deleted_user_reads_as_deleted` checks that it
reads as DELETED with `deletedAt`, and `soft_deleted_user_data_stops_working` that what the
README promises of its data holds: neither the user nor its profile can be changed (409), its
profile still reads as its own, its party authorizations read with `userStatus` DELETED and
`active` false, and the keys this run issued to it answer 401 (one `GET /v1/me` with each, when
its user is read).

Last, a guard for the run itself: Hypothesis's `target` phase (hill-climbing on schemathesis's
success-rate metric) was seen spinning for over ten minutes inside one operation without sending
a request, where `--max-time` cannot stop it. It only steers generation (no check depends on
it), so it is left out of the Hypothesis settings schemathesis builds (pinned version: the
patched method is schemathesis 4.32.5's).
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
import urllib.error
import urllib.request
from typing import Any

import hypothesis
import schemathesis
from schemathesis.config._projects import ProjectConfig
from schemathesis.core.parameters import ParameterLocation

_hypothesis_settings = ProjectConfig.get_hypothesis_settings


def _settings_without_target_phase(self: Any, **kwargs: Any) -> hypothesis.settings:
    settings = _hypothesis_settings(self, **kwargs)
    phases = [phase for phase in settings.phases if phase is not hypothesis.Phase.target]
    return hypothesis.settings(settings, phases=phases)


ProjectConfig.get_hypothesis_settings = _settings_without_target_phase  # type: ignore[method-assign]

_issued: dict[tuple[str, bool], set[str]] = {}
_deleted_users: set[str] = set()
_issued_keys: dict[str, set[str]] = {}
_lock = threading.Lock()


def _listing(case: Any) -> tuple[str, bool]:
    return (case.formatted_path, "updatedSince" in (case.query or {}))


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    """Remembers every cursor a listing issues, and which users are deleted."""
    if not (200 <= response.status_code < 300):
        return
    user_id = (case.path_parameters or {}).get("id")
    if case.path == "/v1/users/{id}" and case.method.upper() == "DELETE":
        with _lock:
            _deleted_users.add(user_id)
    elif case.path == "/v1/users/{id}/restore":
        with _lock:
            _deleted_users.discard(user_id)
    try:
        body = response.json()
    except Exception:  # not JSON: nothing to remember
        return
    if case.path == "/v1/users/{id}/api-keys" and case.method.upper() == "POST":
        secret = body.get("key") if isinstance(body, dict) else None
        if isinstance(secret, str):
            with _lock:
                _issued_keys.setdefault(user_id, set()).add(secret)
    pagination = body.get("pagination") if isinstance(body, dict) else None
    cursor = pagination.get("nextCursor") if isinstance(pagination, dict) else None
    if isinstance(cursor, str):
        with _lock:
            _issued.setdefault(_listing(case), set()).add(cursor)


# The characters Rust's `char::is_alphanumeric` accepts are a superset of these categories.
_USERNAME_CATEGORIES = {"Lu", "Ll", "Lt", "Lm", "Lo", "Nd", "Nl", "No"}


def _username(value: Any) -> Any:
    """`value` with each character a username may not hold replaced by `u` (rule 3)."""
    if not isinstance(value, str):
        return value
    return "".join(
        c if c in "._-@+" or unicodedata.category(c) in _USERNAME_CATEGORIES else "u"
        for c in value
    )


def _valid_usernames(case: Any) -> None:
    meta = case.meta
    if meta is None:
        return
    if not meta.is_negative_at(ParameterLocation.BODY):
        items = case.body if isinstance(case.body, list) else [case.body]
        for item in items:
            if isinstance(item, dict) and "username" in item:
                item["username"] = _username(item["username"])
    path = case.path_parameters
    if isinstance(path, dict) and "username" in path and not meta.is_negative_at(ParameterLocation.PATH):
        path["username"] = _username(path["username"])
    query = case.query
    if isinstance(query, dict) and "username" in query and not meta.is_negative_at(ParameterLocation.QUERY):
        query["username"] = _username(query["username"])


MAX_PAGE_OFFSET = 10_000
_TAG = r'(?:W/)?"[\x21\x23-\x7E\x80-\xFF]*"'
_IF_MATCH = re.compile(
    r"^[ \t]*(?:\*|(?:[ \t]*,)*[ \t]*" + _TAG + r"(?:[ \t]*,(?:[ \t]*,)*[ \t]*" + _TAG
    + r")*(?:[ \t]*,)*)[ \t]*$"
)


def _well_formed_if_match(case: Any) -> None:
    headers = case.headers
    meta = case.meta
    if not isinstance(headers, dict) or meta is None or meta.is_negative_at(ParameterLocation.HEADER):
        return
    for name in list(headers):
        value = headers[name]
        if name.lower() == "if-match" and isinstance(value, str) and not _IF_MATCH.match(value):
            opaque = "".join(c for c in value if c == "!" or "#" <= c <= "~")
            headers[name] = f'"{opaque}"'


def _page_within_reach(case: Any) -> None:
    query = case.query
    meta = case.meta
    if not isinstance(query, dict) or meta is None or meta.is_negative_at(ParameterLocation.QUERY):
        return
    page, limit = query.get("page"), query.get("limit", 10)
    if isinstance(page, int) and isinstance(limit, int) and limit >= 1 and page > 1:
        query["page"] = min(page, MAX_PAGE_OFFSET // limit + 1)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Keeps positive requests to valid usernames, to cursors the listing issued, and never
    sends a cursor together with `page`."""
    _valid_usernames(case)
    _page_within_reach(case)
    _well_formed_if_match(case)
    query = case.query
    if not isinstance(query, dict) or "cursor" not in query:
        return
    meta = case.meta
    if meta is None or meta.is_negative_at(ParameterLocation.QUERY):
        return
    with _lock:
        issued = query["cursor"] in _issued.get(_listing(case), set())
    if not issued:
        del query["cursor"]
    elif "page" in query:
        del query["page"]


@schemathesis.check
def soft_deleted_user_reads_as_deleted(ctx: Any, response: Any, case: Any) -> bool | None:
    """After a successful `DELETE /v1/users/{id}` (and no restore), the user reads as DELETED."""
    if case.path != "/v1/users/{id}" or case.method.upper() != "GET" or response.status_code != 200:
        return None
    user_id = (case.path_parameters or {}).get("id")
    with _lock:
        deleted = user_id in _deleted_users
    if not deleted:
        return None
    body = response.json()
    status = body.get("status") if isinstance(body, dict) else None
    deleted_at = body.get("deletedAt") if isinstance(body, dict) else None
    if status != "DELETED" or not isinstance(deleted_at, str):
        raise AssertionError(
            f"User {user_id} was deleted by this run but reads with status {status!r} and "
            f"deletedAt {deleted_at!r}; a soft-deleted user reads as DELETED with deletedAt"
        )
    return None


def _status_with_key(secret: str) -> int:
    """The status of `GET /v1/me` with `secret` (0 when the API does not answer)."""
    request = urllib.request.Request(
        os.environ["ROSTER_URL"] + "/v1/me", headers={"x-api-key": secret}
    )
    try:
        return urllib.request.urlopen(request, timeout=10).status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception:  # noqa: BLE001 — no answer
        return 0


@schemathesis.check
def soft_deleted_user_data_stops_working(ctx: Any, response: Any, case: Any) -> bool | None:
    """A deleted user and its profile are not changeable (the profile still reads as its own), its
    authorizations are flagged inactive, and its keys answer 401 (README: soft delete)."""
    user_id = (case.path_parameters or {}).get("id")
    with _lock:
        deleted = user_id in _deleted_users
        secrets = sorted(_issued_keys.get(user_id, set()))
    if not deleted:
        return None
    method = case.method.upper()
    status = response.status_code
    if case.path == "/v1/users/{id}/profile" and method == "GET" and status == 200:
        body = response.json()
        if not isinstance(body, dict) or body.get("userId") != user_id:
            raise AssertionError(f"The profile of deleted user {user_id} reads as {body!r}")
    elif case.path == "/v1/users/{id}/profile" and method == "PATCH" and 200 <= status < 300:
        raise AssertionError(f"The profile of deleted user {user_id} was changed ({status})")
    elif case.path == "/v1/users/{id}" and method == "PATCH" and 200 <= status < 300:
        raise AssertionError(f"Deleted user {user_id} was changed ({status})")
    elif case.path == "/v1/users/{id}/parties" and method == "GET" and status == 200:
        body = response.json()
        items = body.get("data") if isinstance(body, dict) else None
        for item in items or []:
            if item.get("userStatus") != "DELETED" or item.get("active") is not False:
                raise AssertionError(
                    f"Deleted user {user_id} has an authorization in force: {item!r}"
                )
    elif case.path == "/v1/users/{id}" and method == "GET" and status == 200:
        for secret in secrets:
            answer = _status_with_key(secret)
            if answer != 401:
                raise AssertionError(
                    f"A key issued to deleted user {user_id} answers {answer} on /v1/me, not 401"
                )
    return None
