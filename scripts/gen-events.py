#!/usr/bin/env python3
"""Writes events/<function>/*.json: one API Gateway REST (proxy) event per route.

Placeholders (the events test and `cargo lambda invoke` users replace them):
  REPLACE_WITH_ROSTER_API_KEY      an API key (e.g. ROSTER_API_KEY from `make dev`)
  usr_01JDSAMPXE0000000000000000   a user id of that key's organization
  key_01JDSAMPXE0000000000000000   an API key id of that user
Run: python3 scripts/gen-events.py  (then commit events/)
"""
import json, pathlib

KEY = "REPLACE_WITH_ROSTER_API_KEY"
USER = "usr_01JDSAMPXE0000000000000000"
KEYID = "key_01JDSAMPXE0000000000000000"

USERS = [
    ("list-users", "GET", "/v1/users", {}, {"limit": "10"}, None),
    ("create-user", "POST", "/v1/users", {}, None, {"username": "event-user", "name": "Event User", "emails": ["event-user@example.com"], "phone": "+31 20 123 4567", "language": "nl"}),
    ("create-users-batch", "POST", "/v1/users", {}, None, [{"username": "event-b1", "name": "Batch One"}, {"username": "event-b2", "name": "Batch Two"}]),
    ("list-deleted-users", "GET", "/v1/users/deleted", {}, None, None),
    ("get-user", "GET", "/v1/users/{id}", {"id": USER}, None, None),
    ("patch-user", "PATCH", "/v1/users/{id}", {"id": USER}, None, {"name": "Renamed By Event"}),
    ("delete-user", "DELETE", "/v1/users/{id}", {"id": USER}, None, None),
    ("upsert-user", "PUT", "/v1/users/by-username/{username}", {"username": "event-upsert"}, None, {"name": "Upserted User"}),
    ("get-profile", "GET", "/v1/users/{id}/profile", {"id": USER}, None, None),
    ("patch-profile", "PATCH", "/v1/users/{id}/profile", {"id": USER}, None, {"timezone": "Europe/Amsterdam"}),
    ("list-api-keys", "GET", "/v1/users/{id}/api-keys", {"id": USER}, None, None),
    ("issue-api-key", "POST", "/v1/users/{id}/api-keys", {"id": USER}, None, None),
    ("revoke-api-key", "DELETE", "/v1/users/{id}/api-keys/{keyId}", {"id": USER, "keyId": KEYID}, None, None),
    ("get-me", "GET", "/v1/me", {}, None, None),
    ("patch-me", "PATCH", "/v1/me", {}, None, {"language": "en"}),
    ("get-my-profile", "GET", "/v1/me/profile", {}, None, None),
    ("patch-my-profile", "PATCH", "/v1/me/profile", {}, None, {"preferences": {"theme": "dark"}}),
    ("list-languages", "GET", "/v1/languages", {}, None, None),
]


def event(method, resource, params, query, body):
    path = resource
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    headers = {"Accept": "application/json", "Host": "abc123.execute-api.eu-west-1.amazonaws.com", "x-api-key": KEY}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": params or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "httpMethod": method,
            "identity": {"sourceIp": "203.0.113.10", "userAgent": "curl/8.5.0", "apiKey": KEY},
            "path": "/prod" + path,
            "protocol": "HTTP/1.1",
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "requestTimeEpoch": 1767225600000,
            "resourceId": "abcdef",
            "resourcePath": resource,
            "stage": "prod",
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def main():
    root = pathlib.Path(__file__).resolve().parent.parent / "events"
    out = root / "users"
    out.mkdir(parents=True, exist_ok=True)
    for name, method, resource, params, query, body in USERS:
        (out / f"{name}.json").write_text(json.dumps(event(method, resource, params, query, body), indent=2) + "\n")
    print(f"wrote {len(USERS)} events to {out}")


if __name__ == "__main__":
    main()
