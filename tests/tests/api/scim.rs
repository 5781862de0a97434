//! The SCIM 2.0 surface (`/scim/v2`) over HTTP: what Okta and Microsoft Entra ID do, tenant
//! isolation, bad input with its `scimType`, errors on every failure, ETags, soft delete.

use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::{json, Value};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

type Answer = (StatusCode, Value, reqwest::header::HeaderMap);

/// A SCIM request with `Authorization: Bearer <key>` and an `application/scim+json` body.
async fn scim_as(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let mut request = app
        .http
        .request(method, format!("{}/scim/v2{path}", app.url))
        .header("authorization", format!("Bearer {key}"));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/scim+json")
            .body(body.to_string());
    }
    app.send(request).await
}

async fn scim(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> Answer {
    scim_as(app, &app.manager_key, method, path, body).await
}

fn okta_user(user_name: &str) -> Value {
    json!({
        "schemas": [USER],
        "userName": user_name,
        "name": {"givenName": "Isabel", "familyName": "Ortiz"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": "Isabel Ortiz",
        "locale": "en-US",
        "externalId": format!("00u-{user_name}"),
        "groups": [],
        "active": true
    })
}

async fn create(app: &TestApp, body: Value) -> Value {
    let (status, user, headers) = scim(app, Method::POST, "/Users", Some(body.clone())).await;
    assert_eq!(status, StatusCode::CREATED, "{body}: {user}");
    assert_eq!(headers["content-type"], "application/scim+json");
    assert_eq!(
        headers["location"].to_str().unwrap_or_default(),
        user["meta"]["location"].as_str().unwrap_or("?")
    );
    user
}

fn id(user: &Value) -> String {
    user["id"].as_str().unwrap_or_default().to_string()
}

fn assert_scim_error(answer: &Answer, status: u16, scim_type: Option<&str>) {
    let (got, body, headers) = answer;
    assert_eq!(got.as_u16(), status, "{body}");
    assert_eq!(headers["content-type"], "application/scim+json", "{body}");
    assert_eq!(body["schemas"], json!([ERROR]), "{body}");
    assert_eq!(body["status"], json!(status.to_string()), "{body}");
    assert_eq!(body["scimType"].as_str(), scim_type, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
}

fn query(filter: &str) -> String {
    let mut out = String::new();
    for b in filter.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[tokio::test]
async fn okta_looks_up_creates_pages_updates_and_deactivates() {
    let app = TestApp::spawn().await;
    // Okta looks the user up before creating it: a miss is an empty ListResponse.
    let lookup = format!(
        "/Users?filter={}&startIndex=1&count=100",
        query(r#"userName eq "isabel@example.com""#)
    );
    let (status, list, _) = scim(&app, Method::GET, &lookup, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list,
        json!({"schemas": [LIST], "totalResults": 0, "startIndex": 1, "itemsPerPage": 0, "Resources": []})
    );

    let sent = okta_user("isabel@example.com");
    let user = create(&app, sent.clone()).await;
    for key in ["userName", "emails", "displayName", "locale", "externalId"] {
        assert_eq!(user[key], sent[key], "{key} comes back exactly as sent");
    }
    assert_eq!(user["name"]["givenName"], "Isabel");
    assert_eq!(user["name"]["formatted"], "Isabel Ortiz");
    assert_eq!(user["active"], true);
    assert_eq!(user["meta"]["version"], "W/\"1\"");

    let (_, found, _) = scim(&app, Method::GET, &lookup, None).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(found["Resources"][0]["id"], user["id"]);
    // The same lookup with the name in other case: userName is case-insensitive.
    let upper = format!(
        "/Users?filter={}",
        query(r#"userName eq "ISABEL@example.com""#)
    );
    assert_eq!(
        scim(&app, Method::GET, &upper, None).await.1["totalResults"],
        1
    );

    // Paging with exact totals.
    for i in 0..4 {
        create(&app, okta_user(&format!("page{i}@example.com"))).await;
    }
    let (_, page, _) = scim(&app, Method::GET, "/Users?startIndex=2&count=2", None).await;
    assert_eq!(
        page["totalResults"], 6,
        "the manager and five users: {page}"
    );
    assert_eq!(page["startIndex"], 2);
    assert_eq!(page["itemsPerPage"], 2);
    let (_, last, _) = scim(&app, Method::GET, "/Users?startIndex=6&count=2", None).await;
    assert_eq!(last["itemsPerPage"], 1);
    let (_, none, _) = scim(&app, Method::GET, "/Users?count=0", None).await;
    assert_eq!(
        (none["totalResults"].clone(), none["itemsPerPage"].clone()),
        (json!(6), json!(0))
    );

    // An update with PUT (apps built with Okta's wizard).
    let mut put = sent.clone();
    put["name"] = json!({"givenName": "Isabel", "familyName": "Ortiz-Lee"});
    put["displayName"] = json!("Isabel Ortiz-Lee");
    let (status, after, headers) = scim(
        &app,
        Method::PUT,
        &format!("/Users/{}", id(&user)),
        Some(put),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["name"]["familyName"], "Ortiz-Lee");
    assert_eq!(headers["etag"], "W/\"2\"");
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{}", id(&user)), None)
        .await;
    assert_eq!(
        native["name"], "Isabel Ortiz-Lee",
        "Roster's name follows the parts"
    );

    // Okta deactivates with a path-less replace and never deletes; the user stays readable.
    let deactivate =
        json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": false}}]});
    let (status, patched, _) = scim(
        &app,
        Method::PATCH,
        &format!("/Users/{}", id(&user)),
        Some(deactivate),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["active"], false);
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{}", id(&user)), None)
        .await;
    assert_eq!(native["status"], "INACTIVE");
    let (status, read, _) = scim(&app, Method::GET, &format!("/Users/{}", id(&user)), None).await;
    assert_eq!(
        (status, read["active"].clone()),
        (StatusCode::OK, json!(false))
    );
    let (_, listed, _) = scim(&app, Method::GET, &lookup, None).await;
    assert_eq!(
        listed["Resources"][0]["active"], false,
        "inactive users are still found"
    );
    app.assert_invariants().await;
}

#[tokio::test]
async fn okta_header_mode_sends_the_key_exactly_as_typed() {
    let app = TestApp::spawn().await;
    let request = app
        .http
        .get(format!("{}/scim/v2/Users?count=1", app.url))
        .header("authorization", app.manager_key.clone());
    let (status, body, _) = app.send(request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn entra_filters_with_plus_spaces_capitalises_ops_and_sends_string_booleans() {
    let app = TestApp::spawn().await;
    // Entra's test connection: a filter with `+` for spaces, on a user that does not exist.
    let (status, miss, _) = scim(
        &app,
        Method::GET,
        "/Users?filter=userName+eq+%22non-existent-user%22",
        None,
    )
    .await;
    assert_eq!(
        (status, miss["totalResults"].clone()),
        (StatusCode::OK, json!(0))
    );

    let body = json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": "8a2f-entra",
        "userName": "Test_User_ab6490ee@contoso.com",
        "active": true,
        "displayName": "Test User",
        "emails": [{"primary": true, "type": "work", "value": "Test_User_ab6490ee@contoso.com"}],
        "name": {"formatted": "Test User", "familyName": "User", "givenName": "Test"},
        "title": "Engineer",
        "preferredLanguage": "da-DK",
        "addresses": [{"type": "work", "locality": "Aarhus", "country": "DK"}],
        ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations", "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}}
    });
    // Entra sends `application/scim+json; charset=utf-8`.
    let request = app
        .http
        .post(format!("{}/scim/v2/Users", app.url))
        .header("authorization", format!("Bearer {}", app.manager_key))
        .header("content-type", "application/scim+json; charset=utf-8")
        .body(body.to_string());
    let (status, user, _) = app.send(request).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    for key in [
        "externalId",
        "userName",
        "displayName",
        "emails",
        "name",
        "title",
        "preferredLanguage",
        "addresses",
        ENTERPRISE,
    ] {
        assert_eq!(user[key], body[key], "{key} comes back exactly as sent");
    }
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{}", id(&user)), None)
        .await;
    assert_eq!(
        native["language"], "da",
        "preferredLanguage's subtag is Roster's language"
    );

    // Entra filters on externalId too.
    let (_, by_ext, _) = scim(
        &app,
        Method::GET,
        "/Users?filter=externalId+eq+%228a2f-entra%22",
        None,
    )
    .await;
    assert_eq!(by_ext["Resources"][0]["id"], user["id"], "{by_ext}");

    // Capitalised ops, a value-filter path, a string boolean; no content type at all.
    let ops = json!({"schemas": [PATCH], "Operations": [
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "test.user@contoso.com"},
        {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+45 12 34 56 78"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Sales"},
        {"op": "Remove", "path": "title"},
        {"op": "Replace", "path": "active", "value": "False"}
    ]});
    let request = app
        .http
        .patch(format!("{}/scim/v2/Users/{}", app.url, id(&user)))
        .header("authorization", format!("Bearer {}", app.manager_key))
        .body(ops.to_string());
    let (status, patched, _) = app.send(request).await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["emails"][0]["value"], "test.user@contoso.com");
    assert_eq!(
        patched["phoneNumbers"],
        json!([{"type": "mobile", "value": "+45 12 34 56 78"}])
    );
    assert_eq!(patched[ENTERPRISE]["department"], "Sales");
    assert!(patched.get("title").is_none());
    assert_eq!(patched["active"], false);
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{}", id(&user)), None)
        .await;
    assert_eq!(native["status"], "INACTIVE");
    assert_eq!(native["emails"], json!(["test.user@contoso.com"]));
    assert_eq!(
        native["phone"], "+45 12 34 56 78",
        "an E.123 number is Roster's phone"
    );
    // An inactive user stays readable, by id and by filter.
    let (status, read, _) = scim(&app, Method::GET, &format!("/Users/{}", id(&user)), None).await;
    assert_eq!(
        (status, read["active"].clone()),
        (StatusCode::OK, json!(false))
    );
    let by_mail = format!(
        "/Users?filter={}",
        query(r#"emails.value eq "TEST.USER@contoso.com""#)
    );
    assert_eq!(
        scim(&app, Method::GET, &by_mail, None).await.1["totalResults"],
        1
    );

    // Reactivation with a path-less Replace and a string boolean.
    let ops = json!({"schemas": [PATCH], "Operations": [{"op": "Replace", "value": {"active": "True", "name.givenName": "Tess"}}]});
    let (_, back, _) = scim(
        &app,
        Method::PATCH,
        &format!("/Users/{}", id(&user)),
        Some(ops),
    )
    .await;
    assert_eq!(back["active"], true);
    assert_eq!(back["name"]["givenName"], "Tess");
    app.assert_invariants().await;
}

#[tokio::test]
async fn delete_is_roster_soft_delete_and_the_id_is_gone_on_this_surface() {
    let app = TestApp::spawn().await;
    let user = create(&app, okta_user("gone@example.com")).await;
    let path = format!("/Users/{}", id(&user));
    let (status, body, _) = scim(&app, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_scim_error(&scim(&app, Method::GET, &path, None).await, 404, None);
    assert_scim_error(&scim(&app, Method::DELETE, &path, None).await, 404, None);
    assert_scim_error(
        &scim(
            &app,
            Method::PUT,
            &path,
            Some(okta_user("gone@example.com")),
        )
        .await,
        404,
        None,
    );
    let by_id = format!(
        "/Users?filter={}",
        query(&format!(r#"id eq "{}""#, id(&user)))
    );
    assert_eq!(
        scim(&app, Method::GET, &by_id, None).await.1["totalResults"],
        0
    );
    // Roster kept it: soft-deleted, in the deleted history, its username free again.
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{}", id(&user)), None)
        .await;
    assert_eq!(native["status"], "DELETED");
    let again = create(&app, okta_user("gone@example.com")).await;
    assert_ne!(again["id"], user["id"]);
    app.assert_invariants().await;
}

#[tokio::test]
async fn etags_and_if_match_guard_concurrent_changes() {
    let app = TestApp::spawn().await;
    let user = create(&app, okta_user("etag@example.com")).await;
    let path = format!("/Users/{}", id(&user));
    let (_, _, headers) = scim(&app, Method::GET, &path, None).await;
    assert_eq!(headers["etag"], "W/\"1\"");
    let op = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": "X"}]});
    let stale = app
        .http
        .patch(format!("{}/scim/v2{path}", app.url))
        .header("authorization", format!("Bearer {}", app.manager_key))
        .header("if-match", "W/\"7\"")
        .body(op.to_string());
    assert_scim_error(&app.send(stale).await, 412, None);
    let fresh = app
        .http
        .patch(format!("{}/scim/v2{path}", app.url))
        .header("authorization", format!("Bearer {}", app.manager_key))
        .header("if-match", "W/\"1\"")
        .body(op.to_string());
    let (status, body, headers) = app.send(fresh).await;
    assert_eq!(
        (status, body["meta"]["version"].clone()),
        (StatusCode::OK, json!("W/\"2\""))
    );
    assert_eq!(headers["etag"], "W/\"2\"");
    let delete = app
        .http
        .delete(format!("{}/scim/v2{path}", app.url))
        .header("authorization", format!("Bearer {}", app.manager_key))
        .header("if-match", "W/\"1\"");
    assert_scim_error(&app.send(delete).await, 412, None);
}

/// `If-Match` is read by the domain's parser (RFC 9110 §13.1.1) with this surface's weak tags
/// compared weakly: a well-formed tag naming another version is 412, `*` matches the existing
/// user, a list matches when any of its tags does, and only a malformed value is 400.
#[tokio::test]
async fn if_match_follows_rfc_9110_with_weak_tags() {
    let app = TestApp::spawn().await;
    let user = create(&app, okta_user("ifmatch@example.com")).await;
    let path = format!("/Users/{}", id(&user));
    let patch_with = |if_match: &[&str], name: &str| {
        let op = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "displayName", "value": name}]});
        let mut request = app
            .http
            .patch(format!("{}/scim/v2{path}", app.url))
            .header("authorization", format!("Bearer {}", app.manager_key))
            .body(op.to_string());
        for line in if_match {
            request = request.header("if-match", *line);
        }
        request
    };
    let version = |answer: &Answer| (answer.0, answer.1["meta"]["version"].clone());
    // Well-formed tags that name no current version: 412, nothing written.
    for stale in ["\"nonsense-version\"", "W/\"abc\"", "W/\"2\", \"3\""] {
        let answer = app.send(patch_with(&[stale], "Stale")).await;
        assert_scim_error(&answer, 412, None);
    }
    let (_, unchanged, _) = scim(&app, Method::GET, &path, None).await;
    assert_eq!(
        (
            unchanged["displayName"].clone(),
            unchanged["meta"]["version"].clone()
        ),
        (json!("Isabel Ortiz"), json!("W/\"1\""))
    );
    // `*`: any version of the existing user.
    let answer = app.send(patch_with(&["*"], "Star")).await;
    assert_eq!(version(&answer), (StatusCode::OK, json!("W/\"2\"")));
    // A list (one line, or several lines) matches when any tag names the current version;
    // the strong form of the tag names the same version.
    let answer = app.send(patch_with(&["W/\"9\", W/\"2\""], "List")).await;
    assert_eq!(version(&answer), (StatusCode::OK, json!("W/\"3\"")));
    let answer = app.send(patch_with(&["W/\"1\"", "\"3\""], "Lines")).await;
    assert_eq!(version(&answer), (StatusCode::OK, json!("W/\"4\"")));
    // Malformed: 400 invalidValue naming the header, nothing written.
    for bad in ["4", "W/4", "garbage", "\"4", "*, W/\"4\""] {
        let answer = app.send(patch_with(&[bad], "Bad")).await;
        assert_scim_error(&answer, 400, Some("invalidValue"));
        assert!(
            answer.1["detail"]
                .as_str()
                .is_some_and(|d| d.starts_with("If-Match")),
            "{bad}: {}",
            answer.1
        );
    }
    let (_, after, _) = scim(&app, Method::GET, &path, None).await;
    assert_eq!(
        (
            after["displayName"].clone(),
            after["meta"]["version"].clone()
        ),
        (json!("Lines"), json!("W/\"4\""))
    );
    // The same parser guards PUT and DELETE.
    let put = app
        .http
        .put(format!("{}/scim/v2{path}", app.url))
        .header("authorization", format!("Bearer {}", app.manager_key))
        .header("if-match", "\"nonsense\"")
        .body(okta_user("ifmatch@example.com").to_string());
    assert_scim_error(&app.send(put).await, 412, None);
    let delete = |if_match: &str| {
        app.http
            .delete(format!("{}/scim/v2{path}", app.url))
            .header("authorization", format!("Bearer {}", app.manager_key))
            .header("if-match", if_match)
    };
    assert_scim_error(
        &app.send(delete("garbage")).await,
        400,
        Some("invalidValue"),
    );
    let (status, _, _) = app.send(delete("W/\"3\", W/\"4\"")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // `*` matches an existing resource only: the deleted user is 404.
    assert_scim_error(&app.send(delete("*")).await, 404, None);
    app.assert_invariants().await;
}

#[tokio::test]
async fn another_organizations_ids_and_filters_see_nothing() {
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let user = create(&a, okta_user("tenant@example.com")).await;
    let path = format!("/Users/{}", id(&user));
    for (method, body) in [
        (Method::GET, None),
        (Method::PUT, Some(okta_user("tenant@example.com"))),
        (
            Method::PATCH,
            Some(
                json!({"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": false}}]}),
            ),
        ),
        (Method::DELETE, None),
    ] {
        assert_scim_error(&scim(&b, method.clone(), &path, body).await, 404, None);
    }
    for filter in [
        r#"userName eq "tenant@example.com""#.to_string(),
        format!(r#"id eq "{}""#, id(&user)),
        r#"externalId eq "00u-tenant@example.com""#.to_string(),
        r#"emails.value eq "tenant@example.com""#.to_string(),
        r#"userName sw "tenant""#.to_string(),
        r#"meta.lastModified gt "2000-01-01T00:00:00Z""#.to_string(),
    ] {
        let (_, list, _) = scim(
            &b,
            Method::GET,
            &format!("/Users?filter={}", query(&filter)),
            None,
        )
        .await;
        let names: Vec<&str> = list["Resources"]
            .as_array()
            .map(|r| r.iter().filter_map(|u| u["userName"].as_str()).collect())
            .unwrap_or_default();
        assert!(!names.contains(&"tenant@example.com"), "{filter}: {list}");
    }
    // Organization B may create the same userName: uniqueness is per organization.
    create(&b, okta_user("tenant@example.com")).await;
    let (_, still, _) = scim(&a, Method::GET, &path, None).await;
    assert_eq!(still["active"], true, "A's user untouched");
}

#[tokio::test]
async fn bad_input_is_refused_with_the_right_scim_type() {
    let app = TestApp::spawn().await;
    let user = create(&app, okta_user("bad@example.com")).await;
    let path = format!("/Users/{}", id(&user));
    let filters = [
        r#"userName eq"#,
        r#"userName eq bad"#,
        r#"userName xx "a""#,
        r#"(userName eq "a""#,
        r#"emails[type eq "work""#,
        r#"nope eq "a""#,
        r#"password eq "secret12""#,
        r#"name.nope pr"#,
    ];
    for f in filters {
        let answer = scim(
            &app,
            Method::GET,
            &format!("/Users?filter={}", query(f)),
            None,
        )
        .await;
        assert_scim_error(&answer, 400, Some("invalidFilter"));
    }
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "userName eq"});
    assert_scim_error(
        &scim(&app, Method::POST, "/Users/.search", Some(search)).await,
        400,
        Some("invalidFilter"),
    );

    let long = "x".repeat(1025);
    let bodies = [
        (
            json!({"schemas": [USER], "userName": "u1", "shoeSize": 44}),
            400,
            Some("invalidSyntax"),
        ),
        (
            json!({"schemas": [USER], "userName": "u2", "name": {"nick": "x"}}),
            400,
            Some("invalidSyntax"),
        ),
        (
            json!({"schemas": [USER], "userName": 42}),
            400,
            Some("invalidValue"),
        ),
        (
            json!({"schemas": [USER], "userName": "u3", "active": "yes"}),
            400,
            Some("invalidValue"),
        ),
        (
            json!({"schemas": [USER], "userName": "u4", "emails": [{"value": "not-an-address"}]}),
            400,
            Some("invalidValue"),
        ),
        (
            json!({"schemas": [USER], "userName": "u5", "title": long}),
            400,
            Some("invalidValue"),
        ),
        (
            json!({"schemas": [USER], "userName": "u".repeat(65)}),
            400,
            Some("invalidValue"),
        ),
        (
            json!({"schemas": [USER], "name": {"formatted": "No Username"}}),
            400,
            Some("invalidValue"),
        ),
        (
            json!({"schemas": ["urn:example:Thing"], "userName": "u6"}),
            400,
            Some("invalidValue"),
        ),
        (okta_user("bad@example.com"), 409, Some("uniqueness")),
    ];
    for (body, status, scim_type) in bodies {
        let answer = scim(&app, Method::POST, "/Users", Some(body.clone())).await;
        assert_scim_error(&answer, status, scim_type);
    }
    // Immutable id and meta.
    let mut other_id = okta_user("bad@example.com");
    other_id["id"] = json!("usr_01JDSAMPXE0000000000000000");
    assert_scim_error(
        &scim(&app, Method::PUT, &path, Some(other_id)).await,
        400,
        Some("mutability"),
    );
    for op in [
        json!({"op": "replace", "path": "id", "value": "usr_x"}),
        json!({"op": "replace", "path": "meta.lastModified", "value": "2000-01-01T00:00:00Z"}),
        json!({"op": "replace", "value": {"meta": {"version": "W/\"9\""}}}),
    ] {
        let body = json!({"schemas": [PATCH], "Operations": [op]});
        assert_scim_error(
            &scim(&app, Method::PATCH, &path, Some(body)).await,
            400,
            Some("mutability"),
        );
    }
    let patch_cases = [
        (
            json!({"schemas": [PATCH], "Operations": [{"op": "merge", "path": "title", "value": "x"}]}),
            Some("invalidSyntax"),
        ),
        (
            json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "shoeSize", "value": 44}]}),
            Some("invalidPath"),
        ),
        (
            json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "emails[type eq", "value": "x"}]}),
            Some("invalidPath"),
        ),
        (
            json!({"schemas": [PATCH], "Operations": [{"op": "remove"}]}),
            Some("noTarget"),
        ),
        (
            json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": "maybe"}]}),
            Some("invalidValue"),
        ),
        (
            json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "title", "value": long}]}),
            Some("invalidValue"),
        ),
    ];
    for (body, scim_type) in patch_cases {
        assert_scim_error(
            &scim(&app, Method::PATCH, &path, Some(body)).await,
            400,
            scim_type,
        );
    }
    // Not JSON, and not a JSON content type.
    let broken = app
        .http
        .post(format!("{}/scim/v2/Users", app.url))
        .header("authorization", format!("Bearer {}", app.manager_key))
        .header("content-type", "application/scim+json")
        .body("{\"userName\": ");
    assert_scim_error(&app.send(broken).await, 400, Some("invalidSyntax"));
    let plain = app
        .http
        .post(format!("{}/scim/v2/Users", app.url))
        .header("authorization", format!("Bearer {}", app.manager_key))
        .header("content-type", "text/plain")
        .body(okta_user("plain@example.com").to_string());
    assert_scim_error(&app.send(plain).await, 415, None);
    assert_scim_error(
        &scim(&app, Method::GET, "/Users?count=many", None).await,
        400,
        Some("invalidValue"),
    );
    // Nothing of the refused requests was written.
    let (_, all, _) = scim(&app, Method::GET, "/Users", None).await;
    assert_eq!(
        all["totalResults"], 2,
        "the manager and bad@example.com only: {all}"
    );
    let (_, unchanged, _) = scim(&app, Method::GET, &path, None).await;
    assert_eq!(unchanged["meta"]["version"], "W/\"1\"");
    app.assert_invariants().await;
}

#[tokio::test]
async fn every_failure_under_scim_v2_is_a_scim_error() {
    let app = TestApp::spawn().await;
    assert_scim_error(&scim(&app, Method::GET, "/Nope", None).await, 404, None);
    assert_scim_error(&scim(&app, Method::GET, "/Groups", None).await, 404, None);
    assert_scim_error(
        &scim(
            &app,
            Method::GET,
            "/Users/usr_01JDSAMPXE0000000000000000",
            None,
        )
        .await,
        404,
        None,
    );
    assert_scim_error(
        &scim(&app, Method::GET, "/Users/not-an-id", None).await,
        404,
        None,
    );
    assert_scim_error(&scim(&app, Method::GET, "/Me", None).await, 501, None);
    assert_scim_error(
        &scim(&app, Method::DELETE, "/ServiceProviderConfig", None).await,
        405,
        None,
    );
    assert_scim_error(
        &scim(&app, Method::POST, "/Schemas", Some(json!({}))).await,
        405,
        None,
    );
    assert_scim_error(
        &scim(&app, Method::PUT, "/Users", Some(json!({}))).await,
        405,
        None,
    );
    // Authentication: none, unknown, and a key of an ApUser.
    let none = app.http.get(format!("{}/scim/v2/Users", app.url));
    let answer = app.send(none).await;
    assert_scim_error(&answer, 401, None);
    assert!(answer.2.contains_key("www-authenticate"));
    assert_scim_error(
        &scim_as(&app, "rst_unknown", Method::GET, "/Users", None).await,
        401,
        None,
    );
    let (_, user_key) = app.user_with_key("plainuser", "ApUser").await;
    assert_scim_error(
        &scim_as(&app, &user_key, Method::GET, "/Users", None).await,
        403,
        None,
    );
    assert_scim_error(
        &scim_as(
            &app,
            &user_key,
            Method::POST,
            "/Users",
            Some(okta_user("x@example.com")),
        )
        .await,
        403,
        None,
    );
}

#[tokio::test]
async fn discovery_describes_only_what_roster_keeps() {
    let app = TestApp::spawn().await;
    let (status, config, _) = scim(&app, Method::GET, "/ServiceProviderConfig", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["bulk"]["supported"], false);
    assert_eq!(
        config["filter"],
        json!({"supported": true, "maxResults": 100})
    );
    assert_eq!(config["etag"]["supported"], true);
    assert_eq!(config["sort"]["supported"], false);
    assert_eq!(
        config["authenticationSchemes"][0]["type"],
        "oauthbearertoken"
    );
    let (_, types, _) = scim(&app, Method::GET, "/ResourceTypes", None).await;
    assert_eq!(types["totalResults"], 1, "Users only: {types}");
    let (_, user_type, _) = scim(&app, Method::GET, "/ResourceTypes/User", None).await;
    assert_eq!(user_type["schema"], USER);
    let (_, schemas, _) = scim(&app, Method::GET, "/Schemas", None).await;
    assert_eq!(schemas["totalResults"], 2);
    let (status, core, _) = scim(&app, Method::GET, &format!("/Schemas/{USER}"), None).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<&str> = core["attributes"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["name"].as_str()).collect())
        .unwrap_or_default();
    for kept in [
        "userName",
        "name",
        "displayName",
        "emails",
        "phoneNumbers",
        "active",
        "password",
        "roles",
        "preferredLanguage",
        "locale",
    ] {
        assert!(names.contains(&kept), "{kept}: {names:?}");
    }
    for absent in [
        "groups",
        "x509Certificates",
        "entitlements",
        "photos",
        "ims",
    ] {
        assert!(!names.contains(&absent), "{absent} is not kept");
    }
    assert_scim_error(
        &scim(&app, Method::GET, "/Schemas/urn:example:nope", None).await,
        404,
        None,
    );
}

#[tokio::test]
async fn filters_search_and_attribute_selection() {
    let app = TestApp::spawn().await;
    let before = "2000-01-01T00:00:00Z";
    let a = create(&app, okta_user("anna@example.com")).await;
    create(&app, okta_user("bert@example.com")).await;
    let run = |f: &str| format!("/Users?filter={}", query(f));
    let total = |v: &Value| v["totalResults"].as_u64().unwrap_or(99);
    assert_eq!(
        total(
            &scim(
                &app,
                Method::GET,
                &run(r#"userName sw "anna" or userName ew "bert@example.com""#),
                None
            )
            .await
            .1
        ),
        2
    );
    assert_eq!(
        total(
            &scim(
                &app,
                Method::GET,
                &run(r#"not (userName eq "anna@example.com") and emails[type eq "work"]"#),
                None
            )
            .await
            .1
        ),
        1
    );
    assert_eq!(
        total(
            &scim(
                &app,
                Method::GET,
                &run(&format!(r#"meta.lastModified gt "{before}""#)),
                None
            )
            .await
            .1
        ),
        3
    );
    let modified = a["meta"]["lastModified"].as_str().unwrap_or_default();
    assert_eq!(
        total(
            &scim(
                &app,
                Method::GET,
                &run(&format!(
                    r#"meta.lastModified ge "{modified}" and userName eq "anna@example.com""#
                )),
                None
            )
            .await
            .1
        ),
        1
    );
    assert_eq!(
        total(
            &scim(
                &app,
                Method::GET,
                &run(r#"meta.lastModified gt "2999-01-01T00:00:00Z""#),
                None
            )
            .await
            .1
        ),
        0
    );
    // Attribute selection: id and schemas always come.
    let (_, picked, _) = scim(
        &app,
        Method::GET,
        &format!("/Users/{}?attributes=userName,name.familyName", id(&a)),
        None,
    )
    .await;
    let mut keys: Vec<&String> = picked
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    keys.sort();
    assert_eq!(keys, ["id", "name", "schemas", "userName"], "{picked}");
    assert_eq!(picked["name"], json!({"familyName": "Ortiz"}));
    let (_, without, _) = scim(
        &app,
        Method::GET,
        &format!(
            "{}&excludedAttributes=emails,meta",
            run(r#"userName eq "anna@example.com""#)
        ),
        None,
    )
    .await;
    let first = &without["Resources"][0];
    assert!(
        first.get("emails").is_none()
            && first.get("meta").is_none()
            && first.get("userName").is_some(),
        "{without}"
    );
    // POST /.search with the same filter.
    let search = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName eq \"bert@example.com\"", "attributes": ["userName"], "startIndex": 1, "count": 10});
    let (status, found, _) = scim(&app, Method::POST, "/Users/.search", Some(search)).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found["Resources"][0]["userName"], "bert@example.com");
    assert!(found["Resources"][0].get("emails").is_none());
}

#[tokio::test]
async fn the_roster_role_is_the_roles_attribute() {
    let app = TestApp::spawn().await;
    let mut body = okta_user("boss@example.com");
    body["roles"] = json!([{"value": "ApManager", "primary": true}, {"value": "Sales"}]);
    let boss = create(&app, body.clone()).await;
    assert_eq!(boss["roles"], body["roles"]);
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{}", id(&boss)), None)
        .await;
    assert_eq!(native["role"], "ApManager");
    // Changed on the native API: the SCIM view follows.
    app.call(
        Method::PATCH,
        &format!("/v1/users/{}", id(&boss)),
        Some(json!({"role": "ApUser"})),
    )
    .await;
    let (_, shown, _) = scim(&app, Method::GET, &format!("/Users/{}", id(&boss)), None).await;
    assert_eq!(
        shown["roles"],
        json!([{"value": "ApUser", "primary": true}, {"value": "Sales"}])
    );
    // Removing the roles that named a Roster role gives the default role.
    let promote = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "roles", "value": [{"value": "ApManager"}]}]});
    scim(
        &app,
        Method::PATCH,
        &format!("/Users/{}", id(&boss)),
        Some(promote),
    )
    .await;
    let remove = json!({"schemas": [PATCH], "Operations": [{"op": "remove", "path": "roles"}]});
    let (_, removed, _) = scim(
        &app,
        Method::PATCH,
        &format!("/Users/{}", id(&boss)),
        Some(remove),
    )
    .await;
    assert!(removed.get("roles").is_none(), "{removed}");
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{}", id(&boss)), None)
        .await;
    assert_eq!(native["role"], "ApUser");
    let both = json!({"schemas": [PATCH], "Operations": [{"op": "add", "path": "roles", "value": [{"value": "ApUser"}, {"value": "ApManager"}]}]});
    assert_scim_error(
        &scim(
            &app,
            Method::PATCH,
            &format!("/Users/{}", id(&boss)),
            Some(both),
        )
        .await,
        400,
        Some("invalidValue"),
    );
}
