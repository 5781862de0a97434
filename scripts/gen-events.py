#!/usr/bin/env python3
"""Writes events/<function>/*.json: one API Gateway REST (proxy) event per route, for the users,
party and activation functions, plus events/activation/scheduled-sweep.json: the EventBridge
"Scheduled Event" that the ExpirySweep rule sends the activation function.

Placeholders (the events test and `cargo lambda invoke` users replace them):
  REPLACE_WITH_ROSTER_API_KEY      an API key (e.g. ROSTER_API_KEY from `make dev`)
  usr_01JDSAMPXE0000000000000000   a user id of that key's organization
  key_01JDSAMPXE0000000000000000   an API key id of that user
  REPLACE_WITH_USERNAME            the username of that user (seed-000 routes name users by it)
  0106:12345678                    a party registered in that organization (and granted to that user)
  sample-user                      that user's username (seed 003 UserId)
  sample.mail@example.com          that user's email (seed 002 legacy routes)
The seed-003 events name the administrator `admin` in X-eSignatur-CreatorId (the manager that
`make dev` and the tests create).
Run: python3 scripts/gen-events.py  (then commit events/)
"""
import json, pathlib

KEY = "REPLACE_WITH_ROSTER_API_KEY"
USER = "usr_01JDSAMPXE0000000000000000"
KEYID = "key_01JDSAMPXE0000000000000000"
USERNAME = "sample-user"
EMAIL = "sample.mail@example.com"
CREATOR = "admin"
PARTY = "0106:12345678"  # a party id (scheme:identifier); API Gateway REST passes ':' through as is
NAME = "REPLACE_WITH_USERNAME"
PERMISSIONS = {"canSendDocument": True, "canReceiveDocument": True, "canRemoveDocument": False, "canManageHook": False}

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
    ("list-audit", "GET", "/v1/audit", {}, {"limit": "10", "since": "2024-01-01", "action": "user.created"}, None),
    ("list-audit-by-target", "GET", "/v1/audit", {}, {"target": USER}, None),
    ("list-audit-by-actor", "GET", "/v1/audit", {}, {"actor": "operator"}, None),
    # Compatible surface, seed 000 (User Management v1): users.
    ("seed000-list-users", "GET", "/api/v1/user", {}, None, None),
    ("seed000-put-user", "PUT", "/api/v1/user", {}, None, {"name": "event-seed000", "password": "event-password-1"}),
    ("seed000-delete-user", "DELETE", "/api/v1/user/{name}", {"name": NAME}, None, None),
    # Compatible surface, seed 001 (B2B platform): the documented parameters and bodies.
    ("seed001-get-user", "GET", "/User/getUser", {}, {"page": "1", "pageSize": "10"}, None),
    ("seed001-update-from", "GET", "/User/updateFrom", {}, {"date": "1999-01-01", "page": "1", "pageSize": "10"}, None),
    ("seed001-create-users", "POST", "/User/create", {}, None, [{"idRemote": "event-remote-1", "username": "event-seed001", "name": "Event Seed User", "languageId": "nl", "email": "event-seed001@example.com", "businessPartnerId": PARTY, "dateValid": "2999-12-31", "active": True}]),
    ("seed001-update-user", "PUT", "/User/update/{id}", {"id": USER}, None, {"username": "event-updated", "name": "Event Updated", "languageId": "de", "email": "event-updated@example.com", "businessPartnerId": PARTY, "dateValid": "2999-12-31", "active": True}),
    ("seed001-delete-user", "DELETE", "/User/delete/{id}", {"id": USER}, None, None),
]

PARTY_EVENTS = [
    ("list-user-parties", "GET", "/v1/users/{id}/parties", {"id": USER}, None, None),
    ("grant-party", "PUT", "/v1/users/{id}/parties/{partyId}", {"id": USER, "partyId": PARTY}, None, {"name": "Event Party BV", "permissions": PERMISSIONS}),
    ("revoke-party", "DELETE", "/v1/users/{id}/parties/{partyId}", {"id": USER, "partyId": PARTY}, None, None),
    ("list-parties", "GET", "/v1/parties", {}, {"limit": "10"}, None),
    ("register-party", "POST", "/v1/parties", {}, None, {"id": "0088:5790000435975", "name": "Event Registered Party", "tin": "NL123456789B01", "contactName": "Jan Jansen", "commercialName": "Event Trading"}),
    ("get-party", "GET", "/v1/parties/{partyId}", {"partyId": PARTY}, None, None),
    ("patch-party", "PATCH", "/v1/parties/{partyId}", {"partyId": PARTY}, None, {"contactName": "Piet Pieters"}),
    ("delete-party", "DELETE", "/v1/parties/{partyId}", {"partyId": PARTY}, {"cascade": "true"}, None),
    ("list-party-users", "GET", "/v1/parties/{partyId}/users", {"partyId": PARTY}, None, None),
    ("list-my-parties", "GET", "/v1/me/parties", {}, None, None),
    # Compatible surface, seed 000 (User Management v1): party authorizations.
    ("seed000-list-user-parties", "GET", "/api/v1/user/{name}/party", {"name": NAME}, None, None),
    ("seed000-put-user-party", "PUT", "/api/v1/user/{name}/party", {"name": NAME}, None, {"name": "Event Party BV", "permissions": PERMISSIONS, "id": PARTY}),
    ("seed000-delete-user-party", "DELETE", "/api/v1/user/{name}/party/{partyId}", {"name": NAME, "partyId": PARTY}, None, None),
]

# Compatible surfaces. A 7th element gives the request headers (instead of x-api-key).
APIKEY_AUTH = {"Authorization": "Apikey " + KEY}
ESIGNATUR = {"X-eSignatur-Id": KEY, "X-eSignatur-CreatorId": CREATOR}
V4 = "/api/user/management/v4/users"
LEGACY = "/api/management/user"

SEED002_EVENTS = [
    ("seed002-v4-list-users", "GET", V4, {}, {"page[size]": "10"}, None, APIKEY_AUTH),
    ("seed002-v4-create-user", "POST", V4, {}, None, {"data": {"type": "users", "attributes": {
        "name": "Event V4 User", "user_flags": ["LICENSE_PURCHASE_RESTRICTED"],
        "contact_details": {"email": "event-v4@example.com", "telephone_number_E123": "+45 12 34 56 78"},
        "external_id": "CRM-EVENT-1"}}}, APIKEY_AUTH),
    ("seed002-v4-get-user", "GET", V4 + "/{user_id}", {"user_id": USER}, None, None, APIKEY_AUTH),
    ("seed002-v4-patch-user", "PATCH", V4 + "/{user_id}", {"user_id": USER}, None, {"data": {"type": "users", "id": USER, "attributes": {
        "registration_information": {"registration_state": "REGISTERED"}}}}, APIKEY_AUTH),
    ("seed002-v4-delete-user", "DELETE", V4 + "/{user_id}", {"user_id": USER}, None, None, APIKEY_AUTH),
    ("seed002-legacy-list-users", "GET", LEGACY, {}, None, None, APIKEY_AUTH),
    ("seed002-legacy-create-user", "POST", LEGACY, {}, None, {"email": "event-legacy@example.com", "name": "Event Legacy User", "cid": "CID-EVENT-1"}, APIKEY_AUTH),
    ("seed002-legacy-update-user", "PUT", LEGACY + "/{email}", {"email": EMAIL}, None, {"name": "Renamed Legacy User"}, APIKEY_AUTH),
    ("seed002-legacy-delete-user", "DELETE", LEGACY + "/{email}", {"email": EMAIL}, None, None, APIKEY_AUTH),
]

# The documented examples of seed 003, with the sample user where a user must exist.
SEED003_USERS_EVENTS = [
    ("seed003-index", "GET", "/User/Index", {}, None, None, ESIGNATUR),
    ("seed003-get-user", "GET", "/User/Get/{userId}", {"userId": USERNAME}, None, None, ESIGNATUR),
    ("seed003-add-users", "POST", "/User/Add", {}, None, [{"UserId": "54321", "Name": "Parrot and Ferrets", "Emails": ["parrot@ferret.local"], "IsCustomerAdmin": True}], ESIGNATUR),
    ("seed003-update-users", "POST", "/User/Update", {}, None, [{"UserId": USERNAME, "NewUserId": "15243", "Name": "Ferrets and Parrots"}], ESIGNATUR),
]

SEED003_ACTIVATION_EVENTS = [
    ("seed003-deactivate-users", "POST", "/User/Deactivate", {}, None, [USERNAME], ESIGNATUR),
    ("seed003-activate-users", "POST", "/User/Activate", {}, None, [USERNAME], ESIGNATUR),
]

# SCIM 2.0 (docs/scim.md): API Gateway routes every /scim/v2 path to the users function through
# the proxy resource `/scim/v2/{proxy+}`; Authorization: Bearer, application/scim+json.
SCIM_USER = "urn:ietf:params:scim:schemas:core:2.0:User"
SCIM_EVENTS = [
    ("scim-service-provider-config", "GET", "ServiceProviderConfig", None, None),
    ("scim-schemas", "GET", "Schemas", None, None),
    ("scim-resource-types", "GET", "ResourceTypes", None, None),
    ("scim-list-users", "GET", "Users", {"filter": 'userName eq "' + USERNAME + '"', "startIndex": "1", "count": "100"}, None),
    ("scim-search-users", "POST", "Users/.search", None, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": 'emails.value eq "' + EMAIL + '"'}),
    ("scim-create-user", "POST", "Users", None, {"schemas": [SCIM_USER], "userName": "scim.sample@example.com",
        "name": {"givenName": "Scim", "familyName": "Sample"},
        "emails": [{"value": "scim.sample@example.com", "type": "work", "primary": True}],
        "externalId": "00u-scim-sample", "active": True}),
    ("scim-get-user", "GET", "Users/" + USER, None, None),
    ("scim-replace-user", "PUT", "Users/" + USER, None, {"schemas": [SCIM_USER], "userName": USERNAME,
        "name": {"formatted": "Sample Person"}, "emails": [{"value": EMAIL, "primary": True}], "active": True}),
    ("scim-patch-user", "PATCH", "Users/" + USER, None, {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}),
    ("scim-delete-user", "DELETE", "Users/" + USER, None, None),
    ("scim-unknown-path", "GET", "Groups", None, None),
]


def scim_event(method, tail, query, body):
    doc = event(method, "/scim/v2/{proxy+}", {"proxy": tail}, query, body, {"Authorization": "Bearer " + KEY})
    doc["headers"]["Accept"] = "application/scim+json"
    if body is not None:
        doc["headers"]["Content-Type"] = "application/scim+json; charset=utf-8"
    doc["multiValueHeaders"] = {k: [v] for k, v in doc["headers"].items()}
    return doc


ACTIVATION_EVENTS = [
    ("activate-user", "POST", "/v1/users/{id}/activate", {"id": USER}, None, None),
    ("deactivate-user", "POST", "/v1/users/{id}/deactivate", {"id": USER}, None, None),
    ("restore-user", "POST", "/v1/users/{id}/restore", {"id": USER}, None, None),
    ("activate-users-batch", "POST", "/v1/users/activate", {}, None, {"ids": [USER]}),
    ("deactivate-users-batch", "POST", "/v1/users/deactivate", {}, None, {"ids": [USER]}),
]

# What the ExpirySweep rule (template.yaml, Type: Schedule) delivers to the activation function.
SCHEDULED_SWEEP = {
    "version": "0",
    "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "time": "2026-01-01T00:00:00Z",
    "region": "eu-west-1",
    "resources": ["arn:aws:events:eu-west-1:123456789012:rule/roster-ActivationFunctionExpirySweep-1A2B3C4D5E6F"],
    "detail": {},
}


def event(method, resource, params, query, body, auth=None):
    path = resource
    for name, value in params.items():
        path = path.replace("{" + name + "}", value).replace("{" + name + "+}", value)
    headers = {"Accept": "application/json", "Host": "abc123.execute-api.eu-west-1.amazonaws.com"}
    headers.update(auth or {"x-api-key": KEY})
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


def write(path, doc):
    path.write_text(json.dumps(doc, indent=2) + "\n")


def main():
    root = pathlib.Path(__file__).resolve().parent.parent / "events"
    scim = {name: scim_event(method, tail, query, body) for name, method, tail, query, body in SCIM_EVENTS}
    for folder, routes, extra in [
        ("users", USERS + SEED002_EVENTS + SEED003_USERS_EVENTS, scim),
        ("party", PARTY_EVENTS, {}),
        ("activation", ACTIVATION_EVENTS + SEED003_ACTIVATION_EVENTS, {"scheduled-sweep": SCHEDULED_SWEEP}),
    ]:
        out = root / folder
        out.mkdir(parents=True, exist_ok=True)
        for name, method, resource, params, query, body, *auth in routes:
            write(out / f"{name}.json", event(method, resource, params, query, body, *auth))
        for name, doc in extra.items():
            write(out / f"{name}.json", doc)
        print(f"wrote {len(routes) + len(extra)} events to {out}")


if __name__ == "__main__":
    main()
