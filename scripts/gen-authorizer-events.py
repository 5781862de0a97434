#!/usr/bin/env python3
"""Writes events/authorizer/*.json: API Gateway REQUEST-authorizer events, one per key header form,
and one per decision the authorizer must get right (tests/tests/api/authorizer.rs).

Placeholder: REPLACE_WITH_ROSTER_API_KEY (an API key). The authorizer test fills it in with a key
in the state the event is named for: revoked, of a deleted-then-restored user, of an inactive
user, of an organization whose allow-list excludes the event's source address (198.51.100.99),
or any key while storage fails.
Run: python3 scripts/gen-authorizer-events.py
"""
import json, pathlib

KEY = "REPLACE_WITH_ROSTER_API_KEY"
ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/users"


def event(headers, source_ip="203.0.113.10", request_id="4f2a1c3e-0000-4000-8000-authorizer01"):
    headers = {"Host": "abc123.execute-api.eu-west-1.amazonaws.com", "User-Agent": "curl/8.5.0", **headers}
    return {
        "type": "REQUEST",
        "methodArn": ARN,
        "resource": "/v1/users",
        "path": "/v1/users",
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {},
        "multiValueQueryStringParameters": {},
        "pathParameters": {},
        "stageVariables": {},
        "requestContext": {
            "path": "/prod/v1/users",
            "accountId": "123456789012",
            "resourceId": "abcdef",
            "stage": "prod",
            "requestId": request_id,
            "identity": {"apiKey": "", "sourceIp": source_ip},
            "resourcePath": "/v1/users",
            "httpMethod": "GET",
            "apiId": "abc123",
        },
    }


EVENTS = {
    "x-api-key.json": event({"x-api-key": KEY}),
    "authorization-apikey.json": event({"Authorization": f"Apikey {KEY}"}),
    "esignatur-id.json": event({"X-eSignatur-Id": KEY}),
    "no-key.json": event({}),
    # Decisions (all with x-api-key): 401, 401, 403 CALLER_INACTIVE, 403 IP_NOT_ALLOWED, failure (503).
    "revoked-key.json": event({"x-api-key": KEY}, request_id="4f2a1c3e-0000-4000-8000-authorizer02"),
    "deleted-restored-user-old-key.json": event({"x-api-key": KEY}, request_id="4f2a1c3e-0000-4000-8000-authorizer03"),
    "inactive-user.json": event({"x-api-key": KEY}, request_id="4f2a1c3e-0000-4000-8000-authorizer04"),
    "blocked-source.json": event({"x-api-key": KEY}, source_ip="198.51.100.99", request_id="4f2a1c3e-0000-4000-8000-authorizer05"),
    "storage-failure.json": event({"x-api-key": KEY}, request_id="4f2a1c3e-0000-4000-8000-authorizer06"),
}


def main():
    out = pathlib.Path(__file__).resolve().parent.parent / "events" / "authorizer"
    out.mkdir(parents=True, exist_ok=True)
    for name, body in EVENTS.items():
        (out / name).write_text(json.dumps(body, indent=2) + "\n")
    print(f"wrote {len(EVENTS)} events to {out}")


if __name__ == "__main__":
    main()
