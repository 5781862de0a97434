//! Seed 002, User Management V4 (`/api/user/management/v4/users`) and the legacy routes of its
//! migration guide (`/api/management/user`): the documented resource, paging, the
//! `Authorization: Apikey` and registration rules, the retired `service` parameter, every error,
//! and organization isolation.

use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::{json, Value};

const V4: &str = "/api/user/management/v4/users";
const LEGACY: &str = "/api/management/user";

/// A request with `Authorization: Apikey KEY`, as the seed documents.
async fn v4_as(
    app: &TestApp,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.url))
        .header("Authorization", format!("Apikey {key}"));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/vnd.api+json")
            .body(body.to_string());
    }
    app.send(request).await
}

async fn v4(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let (status, body, _) = v4_as(app, &app.manager_key, method, path, body).await;
    (status, body)
}

fn doc(attributes: Value) -> Value {
    json!({"data": {"type": "users", "attributes": attributes}})
}

/// The `field`s of a problem's `errors`.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|x| x["field"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

#[tokio::test]
async fn v4_users_are_created_read_changed_and_deleted_as_documented() {
    let app = TestApp::spawn().await;
    let (status, created, headers) = v4_as(
        &app,
        &app.manager_key,
        Method::POST,
        V4,
        Some(doc(json!({
            "name": "Vera Vier",
            "user_flags": ["LICENSE_PURCHASE_RESTRICTED"],
            "contact_details": {"email": "vera@example.com", "telephone_number_E123": "+45 12 34 56 78"},
            "external_id": "CRM-42"
        }))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
    assert_eq!(content_type, Some("application/vnd.api+json"));
    let data = &created["data"];
    let id = data["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("{V4}/{id}").as_str())
    );
    assert_eq!(data["type"], "users");
    assert_eq!(
        data["attributes"],
        json!({
            "name": "Vera Vier",
            "username": "vera@example.com",
            "user_flags": ["LICENSE_PURCHASE_RESTRICTED"],
            "contact_details": {"email": "vera@example.com", "telephone_number_E123": "+45 12 34 56 78"},
            "registration_information": {"registration_state": "UNREGISTERED", "registration_time": null},
            "external_id": "CRM-42"
        })
    );
    // The default user profile, made with the user, under its relationships (and included).
    assert_eq!(
        data["relationships"]["default_user_profile"]["data"],
        json!({"type": "user_profiles", "id": id})
    );
    assert_eq!(created["included"][0]["type"], "user_profiles");
    assert_eq!(created["included"][0]["id"], id.as_str());
    assert_eq!(created["included"][0]["attributes"]["is_default"], true);
    assert_eq!(
        data["meta"]["security"],
        json!({"role": "ApUser", "status": "ACTIVE", "has_password": false})
    );
    let (status, profile) = app
        .call(Method::GET, &format!("/v1/users/{id}/profile"), None)
        .await;
    assert_eq!(
        (status, profile["isDefault"].clone()),
        (StatusCode::OK, json!(true))
    );

    let (status, read) = v4(&app, Method::GET, &format!("{V4}/{id}"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, created, "a read shows what the create answered");

    // Registering stamps the registration time (read-only, epoch seconds), once.
    let before = now();
    let register = doc(json!({"registration_information": {"registration_state": "REGISTERED"}}));
    let (status, registered) = v4(
        &app,
        Method::PATCH,
        &format!("{V4}/{id}"),
        Some(register.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{registered}");
    let info = &registered["data"]["attributes"]["registration_information"];
    assert_eq!(info["registration_state"], "REGISTERED");
    let time = info["registration_time"].as_i64().unwrap_or_default();
    assert!(time >= before - 1 && time <= now() + 1, "{info}");
    let (_, again) = v4(&app, Method::PATCH, &format!("{V4}/{id}"), Some(register)).await;
    assert_eq!(
        again["data"]["attributes"]["registration_information"]["registration_time"],
        time
    );

    // A merge patch: the given attributes change, null removes, the rest stays.
    let (status, patched) = v4(
        &app,
        Method::PATCH,
        &format!("{V4}/{id}"),
        Some(json!({"data": {"type": "users", "id": id, "attributes": {
            "name": "Vera Fünf",
            "contact_details": {"email": "vera@example.org", "telephone_number_E123": null},
            "user_flags": null
        }}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    let attributes = &patched["data"]["attributes"];
    assert_eq!(attributes["name"], "Vera Fünf");
    assert_eq!(
        attributes["contact_details"],
        json!({"email": "vera@example.org", "telephone_number_E123": null})
    );
    assert_eq!(attributes["user_flags"], json!([]));
    assert_eq!(attributes["external_id"], "CRM-42");
    assert_eq!(
        attributes["username"], "vera@example.com",
        "the login name stays"
    );
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(native["emails"], json!(["vera@example.org"]));
    assert_eq!(native["updatedBy"], app.manager_id.to_string());

    // A PATCH needs a JSON body; If-Match with the ETag guards against lost updates.
    let (status, _, _) = v4_as(
        &app,
        &app.manager_key,
        Method::PATCH,
        &format!("{V4}/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let stale = app
        .http
        .patch(format!("{}{V4}/{id}", app.url))
        .header("Authorization", format!("Apikey {}", app.manager_key))
        .header("If-Match", "\"1\"")
        .header("content-type", "application/json")
        .body(doc(json!({"name": "Lost"})).to_string());
    let (status, problem, _) = app.send(stale).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::PRECONDITION_FAILED, Some("PRECONDITION_FAILED"))
    );

    let (status, _) = v4(&app, Method::DELETE, &format!("{V4}/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Soft delete: on the V4 surface the user is gone (404; natively it still reads as
    // DELETED), it leaves the index, cannot be changed (404 too), and deleting it again
    // changes nothing.
    let (status, problem) = v4(&app, Method::GET, &format!("{V4}/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(problem["code"], "NOT_FOUND");
    let (status, native) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(native["status"], "DELETED");
    let (status, index) = v4(&app, Method::GET, V4, None).await;
    assert_eq!(status, StatusCode::OK, "{index}");
    assert!(index["data"].is_array(), "{index}");
    assert!(!index.to_string().contains(&id));
    let (status, problem, headers) = v4_as(
        &app,
        &app.manager_key,
        Method::PATCH,
        &format!("{V4}/{id}"),
        Some(doc(json!({"name": "Zombie"}))),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert_eq!(problem["code"], "NOT_FOUND");
    let (status, _) = v4(&app, Method::DELETE, &format!("{V4}/{id}"), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Deleting released the email: it can be used again.
    let (status, _) = v4(&app, Method::POST, V4, Some(doc(json!({"name": "New Vera", "username": "vera2", "contact_details": {"email": "vera@example.org"}})))).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn v4_accepts_the_attributes_object_alone_and_an_explicit_username() {
    let app = TestApp::spawn().await;
    let (status, created) = v4(
        &app,
        Method::POST,
        V4,
        Some(json!({"name": "Bare Body", "username": "bare", "registration_information": {"registration_state": "REGISTERED"}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let attributes = &created["data"]["attributes"];
    assert_eq!(attributes["username"], "bare");
    assert_eq!(
        attributes["contact_details"],
        json!({"email": null, "telephone_number_E123": null})
    );
    assert!(attributes["registration_information"]["registration_time"].is_i64());
    // Plain application/json works as well as application/vnd.api+json.
    let (status, body) = app
        .call(
            Method::POST,
            V4,
            Some(doc(
                json!({"name": "Json Body", "contact_details": {"email": "json@example.com"}}),
            )),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The login name is the email: a second user with that email as login name clashes.
    let (status, problem) = v4(
        &app,
        Method::POST,
        V4,
        Some(doc(
            json!({"name": "Clash", "username": "json@example.com"}),
        )),
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("USERNAME_TAKEN"))
    );
    let (status, problem) = v4(&app, Method::POST, V4, Some(doc(json!({"name": "Clash", "username": "other", "contact_details": {"email": "JSON@example.com"}})))).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("EMAIL_TAKEN"))
    );
}

#[tokio::test]
async fn v4_validation_names_every_bad_field() {
    let app = TestApp::spawn().await;
    let ok = json!({"name": "Valid", "contact_details": {"email": "valid@example.com"}});
    let with = |extra: Value| {
        let mut attributes = ok.clone();
        if let (Some(a), Some(e)) = (attributes.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                a.insert(k.clone(), v.clone());
            }
        }
        doc(attributes)
    };
    let cases: Vec<(Value, Vec<&str>, &str)> = vec![
        (
            with(json!({"user_flags": ["NOT_A_FLAG"]})),
            vec!["data.attributes.user_flags[0]"],
            "must be one of LICENSE_PURCHASE_RESTRICTED",
        ),
        (
            with(json!({"user_flags": "BETA_FEATURES"})),
            vec!["data.attributes.user_flags"],
            "must be an array of strings",
        ),
        (
            with(
                json!({"contact_details": {"email": "valid@example.com", "telephone_number_E123": "0612345678"}}),
            ),
            vec!["data.attributes.contact_details.telephone_number_E123"],
            "must be in E.123 international notation",
        ),
        (
            with(json!({"contact_details": {"email": "nope"}})),
            vec!["data.attributes.contact_details.email"],
            "must be an email address",
        ),
        (
            with(json!({"contact_details": {"email": "valid@example.com", "fax": "1"}})),
            vec!["data.attributes.contact_details.fax"],
            "is not a known field",
        ),
        (
            with(json!({"registration_information": {"registration_state": "PENDING"}})),
            vec!["data.attributes.registration_information.registration_state"],
            "must be UNREGISTERED or REGISTERED",
        ),
        (
            with(json!({"registration_information": {"registration_time": 1700000000}})),
            vec!["data.attributes.registration_information.registration_time"],
            "is read-only",
        ),
        (
            with(json!({"external_id": ""})),
            vec!["data.attributes.external_id"],
            "must not be empty",
        ),
        (
            with(json!({"nickname": "V"})),
            vec!["data.attributes.nickname"],
            "is not a known field",
        ),
        (
            with(json!({"service": "licenses"})),
            vec!["data.attributes.service"],
            "is no longer supported: use the Management licenses v4 API",
        ),
        (
            doc(json!({"contact_details": {"email": "valid@example.com"}})),
            vec!["data.attributes.name"],
            "is required",
        ),
        (
            doc(json!({"name": "No Login"})),
            vec!["data.attributes.contact_details.email"],
            "is required: it is the user's login name",
        ),
        (
            doc(json!({"name": "Odd", "contact_details": {"email": "o'neil@example.com"}})),
            vec!["data.attributes.username"],
            "is required because contact_details.email cannot serve as the login name",
        ),
        (
            json!({"data": {"type": "people", "attributes": ok}}),
            vec!["data.type"],
            "must be \"users\"",
        ),
        (
            json!({"data": {"type": "users", "id": "usr_01HZZZZZZZZZZZZZZZZZZZZZZZ", "attributes": ok}}),
            vec!["data.id"],
            "is assigned by the server",
        ),
        (
            json!({"data": {"type": "users"}}),
            vec!["data.attributes"],
            "is required",
        ),
        (
            json!({"data": {"type": "users", "attributes": []}}),
            vec!["data.attributes"],
            "must be an object",
        ),
        (
            json!({"data": 5}),
            vec!["data"],
            "must be a users resource object",
        ),
        (
            json!({"data": {"type": "users", "attributes": ok}, "extra": 1}),
            vec!["extra"],
            "is not a known field",
        ),
        (json!([ok]), vec!["body"], "must be a JSON object"),
        (
            doc(
                json!({"name": 5, "user_flags": [1], "external_id": false, "contact_details": {"email": "x@example.com"}}),
            ),
            vec![
                "data.attributes.name",
                "data.attributes.user_flags[0]",
                "data.attributes.external_id",
            ],
            "must be",
        ),
    ];
    for (body, want_fields, want_message) in cases {
        let (status, problem) = v4(&app, Method::POST, V4, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
        assert_eq!(problem["code"], "VALIDATION_FAILED", "{problem}");
        let mut got = fields(&problem);
        got.sort();
        let mut want: Vec<String> = want_fields.iter().map(|f| (*f).to_string()).collect();
        want.sort();
        assert_eq!(got, want, "{body}: {problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(want_message),
            "{body}: {problem}"
        );
    }
    let (_, list) = v4(&app, Method::GET, V4, None).await;
    assert_eq!(list["meta"]["total_items"], 1, "nothing was created");

    // PATCH: required attributes cannot be removed, the id must be the path's.
    let (_, created) = v4(&app, Method::POST, V4, Some(doc(ok.clone()))).await;
    let id = created["data"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            doc(json!({"name": null})),
            "data.attributes.name",
            "cannot be removed",
        ),
        (
            doc(json!({"username": null})),
            "data.attributes.username",
            "cannot be removed",
        ),
        (
            doc(json!({"registration_information": {"registration_state": null}})),
            "data.attributes.registration_information.registration_state",
            "cannot be removed",
        ),
        (
            json!({"data": {"type": "users", "id": "usr_01HZZZZZZZZZZZZZZZZZZZZZZZ", "attributes": {}}}),
            "data.id",
            "must be the id in the path",
        ),
        (
            doc(json!({"contact_details": {"telephone_number_E123": "+31 (0)20 1234567"}})),
            "data.attributes.contact_details.telephone_number_E123",
            "E.123",
        ),
    ];
    for (body, want_field, want_message) in cases {
        let (status, problem) = v4(
            &app,
            Method::PATCH,
            &format!("{V4}/{id}"),
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
        assert_eq!(fields(&problem), [want_field], "{body}: {problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains(want_message),
            "{problem}"
        );
    }
    // Read-only members echoed back from a read are accepted and ignored.
    let mut echoed = created.clone();
    echoed["data"]["attributes"] = json!({"name": "Echoed"});
    let (status, body) = v4(&app, Method::PATCH, &format!("{V4}/{id}"), Some(echoed)).await;
    assert_eq!(
        (status, body["data"]["attributes"]["name"].as_str()),
        (StatusCode::OK, Some("Echoed")),
        "{body}"
    );
    for bad in ["usr_01HZZZZZZZZZZZZZZZZZZZZZZZ", "not-an-id", "%FF%FE"] {
        for method in [Method::GET, Method::DELETE] {
            let (status, problem) = v4(&app, method.clone(), &format!("{V4}/{bad}"), None).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (StatusCode::NOT_FOUND, Some("NOT_FOUND")),
                "{method} {bad}"
            );
        }
    }
}

#[tokio::test]
async fn v4_index_pages_with_page_size_number_and_cursor() {
    let app = TestApp::spawn().await;
    for i in 0..4 {
        let (status, _) = v4(&app, Method::POST, V4, Some(doc(json!({"name": format!("Pager {i}"), "contact_details": {"email": format!("pager{i}@example.com")}, "external_id": format!("EXT-{i}")})))).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, first) = v4(&app, Method::GET, &format!("{V4}?page[size]=2"), None).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["data"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        first["meta"],
        json!({"total_items": 5, "items_per_page": 2, "current_page": 1, "total_pages": 3})
    );
    assert_eq!(first["data"][0]["attributes"]["username"], "admin");
    let next = first["links"]["next"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(next.starts_with(V4), "{next}");
    let (_, second) = v4(&app, Method::GET, &next, None).await;
    assert_eq!(second["meta"]["current_page"], 2);
    let (_, numbered) = v4(
        &app,
        Method::GET,
        &format!("{V4}?page%5Bsize%5D=2&page%5Bnumber%5D=2"),
        None,
    )
    .await;
    assert_eq!(
        numbered["data"], second["data"],
        "page[number] and the cursor agree"
    );
    let (_, last) = v4(
        &app,
        Method::GET,
        &format!("{V4}?page[size]=2&page[number]=3"),
        None,
    )
    .await;
    assert_eq!(last["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(last["links"]["next"], Value::Null);

    let (_, by_email) = v4(
        &app,
        Method::GET,
        &format!("{V4}?filter[email]=PAGER2@example.com"),
        None,
    )
    .await;
    assert_eq!(by_email["meta"]["total_items"], 1);
    assert_eq!(
        by_email["data"][0]["attributes"]["contact_details"]["email"],
        "pager2@example.com"
    );
    let (_, by_ext) = v4(
        &app,
        Method::GET,
        &format!("{V4}?filter[external_id]=EXT-3"),
        None,
    )
    .await;
    assert_eq!(by_ext["data"][0]["attributes"]["name"], "Pager 3");

    for (query, field) in [
        ("page[size]=0", "page[size]"),
        ("page[size]=101", "page[size]"),
        ("page[number]=0", "page[number]"),
        ("page[number]=2&page[cursor]=abc", "page[cursor]"),
        ("filter[email]=nope", "filter[email]"),
    ] {
        let (status, problem) = v4(&app, Method::GET, &format!("{V4}?{query}"), None).await;
        assert_eq!(
            (status, fields(&problem)),
            (StatusCode::BAD_REQUEST, vec![field.to_string()]),
            "{query}"
        );
    }
    let (status, problem) = v4(
        &app,
        Method::GET,
        &format!("{V4}?page[cursor]=forged"),
        None,
    )
    .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("INVALID_CURSOR"))
    );
}

#[tokio::test]
async fn the_service_parameter_is_refused_pointing_to_the_licenses_api() {
    let app = TestApp::spawn().await;
    let (_, user) = v4(
        &app,
        Method::POST,
        V4,
        Some(doc(
            json!({"name": "Lic", "contact_details": {"email": "lic@example.com"}}),
        )),
    )
    .await;
    let id = user["data"]["id"].as_str().unwrap_or_default().to_string();
    let requests: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("{V4}?service=office"), None),
        (
            Method::POST,
            format!("{V4}?service=office"),
            Some(doc(json!({"name": "X", "username": "x"}))),
        ),
        (Method::GET, format!("{V4}/{id}?service=office"), None),
        (
            Method::PATCH,
            format!("{V4}/{id}"),
            Some(doc(json!({"service": "office"}))),
        ),
        (Method::DELETE, format!("{V4}/{id}?service=office"), None),
        (Method::GET, format!("{LEGACY}?service=office"), None),
        (
            Method::POST,
            LEGACY.to_string(),
            Some(json!({"email": "svc@example.com", "name": "Svc", "service": "office"})),
        ),
        (
            Method::PUT,
            format!("{LEGACY}/lic@example.com"),
            Some(json!({"service": ["office"]})),
        ),
        (
            Method::DELETE,
            format!("{LEGACY}/lic@example.com?service=office"),
            None,
        ),
    ];
    for (method, path, body) in requests {
        let (status, problem) = app.call(method.clone(), &path, body).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{method} {path}: {problem}"
        );
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("service") && detail.contains("Management licenses v4 API"),
            "{method} {path}: {detail}"
        );
    }
    let (status, still) = v4(&app, Method::GET, &format!("{V4}/{id}"), None).await;
    assert_eq!(
        (status, still["data"]["attributes"]["name"].as_str()),
        (StatusCode::OK, Some("Lic")),
        "nothing changed"
    );
}

#[tokio::test]
async fn the_apikey_header_authenticates_and_only_registered_users_log_in_where_required() {
    let app = TestApp::spawn().await;
    let (status, _) = v4(&app, Method::GET, V4, None).await;
    assert_eq!(status, StatusCode::OK);
    let unauthenticated = app.http.get(format!("{}{V4}", app.url));
    let (status, problem, _) = app.send(unauthenticated).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("MISSING_API_KEY"))
    );
    let (status, problem, _) = v4_as(&app, "rst_unknown", Method::GET, V4, None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("INVALID_API_KEY"))
    );
    // SPEC §2: `Authorization: Bearer KEY` carries a key on every surface too; other schemes
    // do not.
    let bearer = app
        .http
        .get(format!("{}{V4}", app.url))
        .header("Authorization", format!("Bearer {}", app.manager_key));
    let (status, _, _) = app.send(bearer).await;
    assert_eq!(status, StatusCode::OK, "Bearer carries the key");
    let basic = app
        .http
        .get(format!("{}{V4}", app.url))
        .header("Authorization", format!("Basic {}", app.manager_key));
    let (status, _, _) = app.send(basic).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "only the Apikey and Bearer schemes carry a key"
    );

    // An ApUser may not manage users.
    let (_, user_key) = app.user_with_key("plain", "ApUser").await;
    for (method, path, body) in [
        (Method::GET, V4.to_string(), None),
        (
            Method::POST,
            V4.to_string(),
            Some(doc(json!({"name": "X", "username": "x"}))),
        ),
        (Method::GET, LEGACY.to_string(), None),
        (
            Method::POST,
            LEGACY.to_string(),
            Some(json!({"name": "X", "email": "x@example.com"})),
        ),
    ] {
        let (status, problem, _) = v4_as(&app, &user_key, method.clone(), &path, body).await;
        assert_eq!(
            (status, problem["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("FORBIDDEN")),
            "{method} {path}"
        );
    }

    // Where the organization requires registration, an UNREGISTERED manager's key is refused
    // until the manager is REGISTERED.
    let (manager, manager_key) = app.user_with_key("newboss", "ApManager").await;
    let id = manager["id"].as_str().unwrap_or_default().to_string();
    app.set_requires_registration(true).await;
    let (status, problem, _) = v4_as(&app, &manager_key, Method::GET, V4, None).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("CALLER_INACTIVE")),
        "{problem}"
    );
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("not registered"));
    let (status, _) = v4(
        &app,
        Method::PATCH,
        &format!("{V4}/{id}"),
        Some(doc(
            json!({"registration_information": {"registration_state": "REGISTERED"}}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = v4_as(&app, &manager_key, Method::GET, V4, None).await;
    assert_eq!(status, StatusCode::OK, "a registered user's key works");
}

#[tokio::test]
async fn legacy_routes_map_onto_the_same_users() {
    let app = TestApp::spawn().await;
    let (status, created, headers) = app
        .send(app.req(Method::POST, LEGACY).json(&json!({
            "email": "lena@example.com", "name": "Lena Legacy", "cid": "CID-7",
            "telephone_number_E123": "+31 20 123 4567", "user_flags": ["BETA_FEATURES"]
        })))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(
        headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/api/management/user/lena%40example.com")
    );
    let id = created["id"].as_str().unwrap_or_default().to_string();
    assert_eq!(
        created,
        json!({"id": id, "username": "lena@example.com", "email": "lena@example.com", "name": "Lena Legacy",
               "cid": "CID-7", "telephone_number_E123": "+31 20 123 4567", "user_flags": ["BETA_FEATURES"],
               "registration_state": "UNREGISTERED", "registration_time": null})
    );
    // The same user through V4: cid is external_id.
    let (_, through_v4) = v4(&app, Method::GET, &format!("{V4}/{id}"), None).await;
    assert_eq!(through_v4["data"]["attributes"]["external_id"], "CID-7");

    let (status, list) = app.call(Method::GET, LEGACY, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(2),
        "admin and lena: {list}"
    );
    let (_, filtered) = app
        .call(
            Method::GET,
            &format!("{LEGACY}?email=LENA@example.com"),
            None,
        )
        .await;
    assert_eq!(filtered, json!([created]));
    let (_, by_cid) = app
        .call(Method::GET, &format!("{LEGACY}?cid=CID-7"), None)
        .await;
    assert_eq!(by_cid, json!([created]));

    let (status, updated) = app
        .call(
            Method::PUT,
            &format!("{LEGACY}/Lena@Example.com"),
            Some(json!({"name": "Lena Renamed", "cid": null, "email": "lena@example.org", "registration_state": "REGISTERED"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["name"], "Lena Renamed");
    assert_eq!(updated["cid"], Value::Null);
    assert_eq!(updated["email"], "lena@example.org");
    assert_eq!(
        updated["telephone_number_E123"], "+31 20 123 4567",
        "left out: kept"
    );
    assert!(updated["registration_time"].is_i64());
    let (status, _) = app
        .call(
            Method::PUT,
            &format!("{LEGACY}/lena@example.com"),
            Some(json!({"name": "Old Address"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the old address no longer names her"
    );

    let bad_updates: &[(Value, &str)] = &[
        (json!({"email": null}), "email"),
        (json!({"name": null}), "name"),
        (
            json!({"telephone_number_E123": "020 123 4567"}),
            "telephone_number_E123",
        ),
        (json!({"registration_time": 1}), "registration_time"),
        (json!({"id": "usr_x"}), "id"),
        (json!({"colour": "red"}), "colour"),
        (json!([]), "body"),
    ];
    for (body, field) in bad_updates {
        let (status, problem) = app
            .call(
                Method::PUT,
                &format!("{LEGACY}/lena@example.org"),
                Some(body.clone()),
            )
            .await;
        assert_eq!(
            (status, fields(&problem)),
            (StatusCode::BAD_REQUEST, vec![(*field).to_string()]),
            "{body}: {problem}"
        );
    }
    let bad_creates: &[(Value, &[&str])] = &[
        (json!({"name": "No Email"}), &["email"]),
        (json!({"email": "x@example.com"}), &["name"]),
        (json!({"email": "nope", "name": "N"}), &["email"]),
        (
            json!({"email": "y@example.com", "name": "Y", "user_flags": ["NOPE"]}),
            &["user_flags[0]"],
        ),
    ];
    for (body, want) in bad_creates {
        let (status, problem) = app.call(Method::POST, LEGACY, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {problem}");
        assert_eq!(
            fields(&problem),
            want.iter().map(|f| (*f).to_string()).collect::<Vec<_>>(),
            "{body}"
        );
    }
    let (status, problem) = app
        .call(
            Method::POST,
            LEGACY,
            Some(json!({"email": "lena@example.org", "name": "Twin", "username": "twin"})),
        )
        .await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::CONFLICT, Some("EMAIL_TAKEN"))
    );

    for path in ["nobody@example.com", "not-an-email", "%FF%FE"] {
        let (status, _) = app
            .call(Method::DELETE, &format!("{LEGACY}/{path}"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app
        .call(Method::DELETE, &format!("{LEGACY}/lena@example.org"), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(native["status"], "DELETED");
    let (_, list) = app.call(Method::GET, LEGACY, None).await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
}

#[tokio::test]
async fn another_organization_can_neither_see_nor_change_these_users() {
    let home = TestApp::spawn().await;
    let stranger = TestApp::spawn().await;
    let (status, created) = v4(
        &home,
        Method::POST,
        V4,
        Some(doc(
            json!({"name": "Home User", "contact_details": {"email": "home@example.com"}}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let requests: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("{V4}/{id}"), None),
        (
            Method::PATCH,
            format!("{V4}/{id}"),
            Some(doc(json!({"name": "Hacked"}))),
        ),
        (Method::DELETE, format!("{V4}/{id}"), None),
        (
            Method::PUT,
            format!("{LEGACY}/home@example.com"),
            Some(json!({"name": "Hacked"})),
        ),
        (Method::DELETE, format!("{LEGACY}/home@example.com"), None),
    ];
    for (method, path, body) in requests {
        let (status, problem) = v4(&stranger, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {problem}");
    }
    let (status, list) = v4(
        &stranger,
        Method::GET,
        &format!("{V4}?page[size]=100"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list["data"].is_array(), "{list}");
    assert!(!list.to_string().contains(&id));
    let (status, by_email) = v4(
        &stranger,
        Method::GET,
        &format!("{V4}?filter[email]=home@example.com"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{by_email}");
    assert_eq!(by_email["meta"]["total_items"], 0);
    let (status, legacy) = stranger.call(Method::GET, LEGACY, None).await;
    assert_eq!(status, StatusCode::OK, "{legacy}");
    assert!(legacy.is_array(), "{legacy}");
    assert!(!legacy.to_string().contains("home@example.com"));
    // An email (and so a login name) is per organization.
    let (status, _) = v4(
        &stranger,
        Method::POST,
        V4,
        Some(doc(
            json!({"name": "Theirs", "contact_details": {"email": "home@example.com"}}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, after) = v4(&home, Method::GET, &format!("{V4}/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after, created, "nothing changed");
}

#[tokio::test]
async fn malformed_requests_get_a_problem_and_never_a_500() {
    let app = TestApp::spawn().await;
    let (status, created) = v4(
        &app,
        Method::POST,
        V4,
        Some(doc(
            json!({"name": "Target", "contact_details": {"email": "target@example.com"}}),
        )),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // Every one is the caller's 400: not JSON at all (or nested past the parser's limit) is
    // MALFORMED_BODY, JSON of the wrong shape is VALIDATION_FAILED.
    let bodies = [
        ("not json", "MALFORMED_BODY"),
        ("{\"data\": ", "MALFORMED_BODY"),
        ("null", "VALIDATION_FAILED"),
        ("42", "VALIDATION_FAILED"),
        ("\"text\"", "VALIDATION_FAILED"),
        ("[]", "VALIDATION_FAILED"),
        ("{\"data\": null}", "VALIDATION_FAILED"),
        (
            "{\"data\": {\"attributes\": {\"contact_details\": []}}}",
            "VALIDATION_FAILED",
        ),
        (
            "{\"data\": {\"attributes\": {\"registration_information\": \"REGISTERED\"}}}",
            "VALIDATION_FAILED",
        ),
        (
            "{\"name\": {\"first\": \"A\"}, \"user_flags\": {\"a\": 1}}",
            "VALIDATION_FAILED",
        ),
    ];
    let long = format!("{{\"name\": \"{}\"}}", "n".repeat(10_000));
    let deep = format!("{}1{}", "[".repeat(5_000), "]".repeat(5_000));
    let mut all: Vec<(String, &str)> = bodies
        .iter()
        .map(|(b, code)| ((*b).to_string(), *code))
        .collect();
    all.push((long, "VALIDATION_FAILED"));
    all.push((deep, "MALFORMED_BODY"));
    let targets = [
        (Method::POST, V4.to_string()),
        (Method::PATCH, format!("{V4}/{id}")),
        (Method::POST, LEGACY.to_string()),
        (Method::PUT, format!("{LEGACY}/target@example.com")),
    ];
    for (method, path) in &targets {
        for (body, code) in &all {
            let request = app
                .req(method.clone(), path)
                .header("content-type", "application/json")
                .body(body.clone());
            let (status, problem, headers) = app.send(request).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (StatusCode::BAD_REQUEST, Some(*code)),
                "{method} {path} {}: {problem}",
                &body[..body.len().min(60)]
            );
            assert_eq!(
                headers.get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/problem+json")
            );
            assert!(
                problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
                "{problem}"
            );
        }
        let wrong_type = app
            .req(method.clone(), path)
            .header("content-type", "text/plain")
            .body("{}");
        let (status, _, _) = app.send(wrong_type).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{method} {path}"
        );
    }
    let (status, after) = v4(&app, Method::GET, &format!("{V4}/{id}"), None).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after, created, "nothing changed");
}
