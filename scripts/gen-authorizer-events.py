#!/usr/bin/env python3
"""Writes events/authorizer/*.json: API Gateway REQUEST-authorizer events, one per key header form.

Placeholder: REPLACE_WITH_ROSTER_API_KEY (an API key). The authorizer test fills it in (and varies
the key and source address for the unknown, revoked, inactive and blocked-address cases).
Run: python3 scripts/gen-authorizer-events.py
"""
import json, pathlib

KEY = "REPLACE_WITH_ROSTER_API_KEY"
ARN = "arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/v1/users"


def event(headers, source_ip="203.0.113.10"):
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
            "requestId": "4f2a1c3e-0000-4000-8000-authorizer01",
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
}


def main():
    out = pathlib.Path(__file__).resolve().parent.parent / "events" / "authorizer"
    out.mkdir(parents=True, exist_ok=True)
    for name, body in EVENTS.items():
        (out / name).write_text(json.dumps(body, indent=2) + "\n")
    print(f"wrote {len(EVENTS)} events to {out}")


if __name__ == "__main__":
    main()
