//! Seed 001 (B2B platform, `/User/…`), driven exactly as its document shows, on the whole API:
//! the documented payloads and shapes (JSON and XML), paging through `nextPageUrl`, every
//! documented error in its exact `{"code", "error"}` form, organization isolation and the role
//! rule.

use std::time::Duration;

use quick_xml::events::Event;
use reqwest::{Method, StatusCode};
use roster_shared::config::Config;
use roster_shared::http::lambda;
use roster_shared::service::Roster;
use roster_shared::store::Store;
use roster_tests::{fresh_party, TestApp};
use serde_json::{json, Value};

const DUPLICATE: &str = "Duplicate entry => Care with email and username";

/// The XML response the seed documents for `getUser` and `updateFrom`.
const DOCUMENTED_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<export>
<data>
<item>
<id>string</id>
<idRemote>string</idRemote>
<username>string</username>
<name>string</name>
<email>string</email>
<status>string</status>
<updatedAt>string</updatedAt>
<dateValid>string</dateValid>
<active>true</active>
<language>
<id>string</id>
<code>string</code>
<iso>string</iso>
<name>string</name>
</language>
<businessPartner>
<id>string</id>
<idRemote>string</idRemote>
<contactName>string</contactName>
<commercialName>string</commercialName>
<tin>string</tin>
</businessPartner>
</item>
</data>
<pagination>
<totalItems>0</totalItems>
<itemsPerPage>0</itemsPerPage>
<currentPage>0</currentPage>
<totalPages>0</totalPages>
<nextPageUrl>string</nextPageUrl>
</pagination>
</export>"#;

/// The documented user fields, in order.
const USER_FIELDS: [&str; 11] = [
    "id",
    "idRemote",
    "username",
    "name",
    "email",
    "status",
    "updatedAt",
    "dateValid",
    "active",
    "language",
    "businessPartner",
];

/// Registers a business partner natively and returns its id.
async fn business_partner(app: &TestApp) -> String {
    let id = fresh_party();
    let (status, body) = app
        .call(
            Method::POST,
            "/v1/parties",
            Some(json!({"id": id, "name": "Acme BV", "tin": "NL123456789B01",
                "contactName": "Jan Jansen", "commercialName": "Acme Trading", "externalId": "bp-77"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    id
}

/// The documented create item, filled in.
fn item(id_remote: &str, username: &str, partner: &str) -> Value {
    json!({
        "idRemote": id_remote,
        "username": username,
        "name": format!("{username} Example"),
        "languageId": "es",
        "email": format!("{username}@example.com"),
        "businessPartnerId": partner,
        "dateValid": "2999-12-31",
        "active": true
    })
}

/// Sends and returns `(status, raw body text, content type)`.
async fn raw(app: &TestApp, request: reqwest::RequestBuilder) -> (StatusCode, String, String) {
    let response = request.send().await.expect("sent");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let _ = app;
    (
        status,
        response.text().await.unwrap_or_default(),
        content_type,
    )
}

/// Asserts a seed-001 error: exactly `{"code": status, "error": message}`, as JSON.
async fn assert_error(app: &TestApp, request: reqwest::RequestBuilder, status: u16, message: &str) {
    let (got, text, content_type) = raw(app, request).await;
    assert_eq!(got.as_u16(), status, "{text}");
    assert_eq!(content_type, "application/json", "{text}");
    assert_eq!(
        text,
        json!({"code": status, "error": message}).to_string(),
        "exactly code and error"
    );
}

/// Keys of the first object of `data` in `text`, in the order the server wrote them.
fn first_item_keys(text: &str) -> Vec<String> {
    let start = text.find("\"data\":[{").map(|i| i + 8).unwrap_or(0);
    let mut depth = 0;
    let mut keys = Vec::new();
    let bytes = text.as_bytes();
    let mut i = start;
    let mut in_string = false;
    let mut current = String::new();
    while i < bytes.len() {
        let c = bytes[i] as char;
        if in_string {
            if c == '\\' {
                i += 1;
            } else if c == '"' {
                in_string = false;
                if depth == 1 && bytes.get(i + 1) == Some(&b':') {
                    keys.push(current.clone());
                }
            } else {
                current.push(c);
            }
        } else if c == '"' {
            in_string = true;
            current.clear();
        } else if c == '{' || c == '[' {
            depth += 1;
        } else if c == '}' || c == ']' {
            depth -= 1;
            if depth == 0 {
                break;
            }
        }
        i += 1;
    }
    keys
}

/// Element names in document order (start and empty elements).
fn element_names(xml: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut names = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                names.push(String::from_utf8_lossy(e.name().as_ref()).into_owned())
            }
            Ok(Event::Eof) => return names,
            Ok(_) => {}
            Err(e) => panic!("invalid XML ({e}): {xml}"),
        }
    }
}

fn element_text(xml: &str, name: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut out = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => inside = e.name().as_ref() == name.as_bytes(),
            Ok(Event::Text(t)) if inside => {
                out.push(t.unescape().map(|c| c.into_owned()).unwrap_or_default())
            }
            Ok(Event::End(_)) => inside = false,
            Ok(Event::Eof) => return out,
            Ok(_) => {}
            Err(e) => panic!("invalid XML ({e}): {xml}"),
        }
    }
}

async fn create(app: &TestApp, items: Value) -> (StatusCode, Value) {
    app.call(Method::POST, "/User/create", Some(items)).await
}

async fn get(app: &TestApp, path: &str) -> Value {
    let (status, body) = app.call(Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "{path}: {body}");
    body
}

#[tokio::test]
async fn create_takes_the_documented_array_and_get_user_shows_the_documented_user() {
    let app = TestApp::spawn().await;
    let partner = business_partner(&app).await;
    let (status, created) = create(
        &app,
        json!([
            item("crm-1", "maria", &partner),
            item("crm-2", "pedro", &partner)
        ]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let data = created["data"].as_array().cloned().unwrap_or_default();
    assert_eq!(data.len(), 2);
    let maria = &data[0];
    let id = maria["id"].as_str().unwrap_or_default();
    assert!(id.starts_with("usr_"), "the system makes a local id: {id}");
    assert!(maria["updatedAt"].as_str().is_some_and(|t| t.len() == 24));
    assert_eq!(
        maria,
        &json!({
            "id": id,
            "idRemote": "crm-1",
            "username": "maria",
            "name": "maria Example",
            "email": "maria@example.com",
            "status": "ACTIVE",
            "updatedAt": maria["updatedAt"],
            "dateValid": "2999-12-31",
            "active": true,
            "language": {"id": "es", "code": "es", "iso": "es", "name": "Spanish"},
            "businessPartner": {"id": partner, "idRemote": "bp-77", "contactName": "Jan Jansen",
                "commercialName": "Acme Trading", "tin": "NL123456789B01"}
        })
    );
    // idRemote is the external id natively.
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(native["externalId"], "crm-1");
    assert_eq!(native["businessPartnerId"], partner.as_str());

    let (status, text, content_type) = raw(&app, app.req(Method::GET, "/User/getUser")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/json");
    assert_eq!(
        first_item_keys(&text),
        USER_FIELDS,
        "documented field order"
    );
    let page: Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(
        page["pagination"],
        json!({"totalItems": 3, "itemsPerPage": 10, "currentPage": 1, "totalPages": 1, "nextPageUrl": null})
    );
    let names: Vec<&str> = page["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|u| u["username"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["admin", "maria", "pedro"], "oldest first");
    let admin = &page["data"][0];
    assert_eq!(admin["idRemote"], Value::Null);
    assert_eq!(admin["businessPartner"], Value::Null);
    assert_eq!(admin["language"]["code"], "en");
}

#[tokio::test]
async fn get_user_with_id_finds_by_server_id_or_id_remote() {
    let app = TestApp::spawn().await;
    let (status, created) = create(
        &app,
        json!([{"idRemote": "ext 9/1", "username": "ana", "name": "Ana"}]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"][0]["id"].as_str().unwrap_or_default();
    for reference in [id, "ext%209%2F1"] {
        let page = get(&app, &format!("/User/getUser?id={reference}")).await;
        assert_eq!(page["data"].as_array().map(Vec::len), Some(1), "{page}");
        assert_eq!(page["data"][0]["id"], id);
        assert_eq!(page["pagination"]["totalItems"], 1);
    }
    assert_error(
        &app,
        app.req(Method::GET, "/User/getUser?id=nobody"),
        404,
        "No entity found for User with nobody.",
    )
    .await;
    assert_error(
        &app,
        app.req(
            Method::GET,
            "/User/getUser?id=usr_01HZZZZZZZZZZZZZZZZZZZZZZZ",
        ),
        404,
        "No entity found for User with usr_01HZZZZZZZZZZZZZZZZZZZZZZZ.",
    )
    .await;
}

/// Follows `nextPageUrl` from `first` to the end; returns every user id seen and the pages.
async fn follow(app: &TestApp, first: &str) -> (Vec<String>, Vec<Value>) {
    let mut url = format!("{}{first}", app.url);
    let mut ids = Vec::new();
    let mut pages = Vec::new();
    for _ in 0..20 {
        let (status, page, _) = app
            .send(app.http.get(&url).header("x-api-key", &app.manager_key))
            .await;
        assert_eq!(status, StatusCode::OK, "{url}: {page}");
        ids.extend(
            page["data"]
                .as_array()
                .map(|d| {
                    d.iter()
                        .filter_map(|u| u["id"].as_str().map(str::to_string))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        );
        pages.push(page.clone());
        match page["pagination"]["nextPageUrl"].as_str() {
            Some(next) => url = next.to_string(),
            None => return (ids, pages),
        }
    }
    panic!("nextPageUrl never ended");
}

#[tokio::test]
async fn next_page_url_really_fetches_the_next_page() {
    let app = TestApp::spawn().await;
    let items: Vec<Value> = (0..6)
        .map(|i| json!({"username": format!("p{i}"), "name": "P", "idRemote": format!("r{i}")}))
        .collect();
    let (status, _) = create(&app, Value::Array(items)).await;
    assert_eq!(status, StatusCode::CREATED);
    for first in [
        "/User/getUser?pageSize=2",
        "/User/updateFrom?date=1999-01-01&pageSize=2",
    ] {
        let (ids, pages) = follow(&app, first).await;
        assert_eq!(ids.len(), 7, "{first}: every user once");
        let mut distinct = ids.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 7, "{first}: no repeats");
        assert_eq!(pages.len(), 4);
        for (i, page) in pages.iter().enumerate() {
            let p = &page["pagination"];
            assert_eq!(p["currentPage"], i + 1, "{first}: {p}");
            assert_eq!(
                (
                    p["totalItems"].as_u64(),
                    p["itemsPerPage"].as_u64(),
                    p["totalPages"].as_u64()
                ),
                (Some(7), Some(2), Some(4))
            );
        }
        let next = pages[0]["pagination"]["nextPageUrl"]
            .as_str()
            .unwrap_or_default();
        assert!(
            next.starts_with(&format!(
                "{}{}",
                app.url,
                first.split('?').next().unwrap_or_default()
            )),
            "absolute, same route: {next}"
        );
    }
    // `page` alone works as documented too.
    let page2 = get(&app, "/User/getUser?page=2&pageSize=2").await;
    assert_eq!(page2["pagination"]["currentPage"], 2);
    assert_eq!(page2["data"].as_array().map(Vec::len), Some(2));
    let beyond = get(&app, "/User/getUser?page=9&pageSize=2").await;
    assert_eq!(beyond["data"], json!([]));
    assert_eq!(beyond["pagination"]["nextPageUrl"], Value::Null);
}

#[tokio::test]
async fn accept_xml_gives_the_documented_export_element_for_element() {
    let app = TestApp::spawn().await;
    let partner = business_partner(&app).await;
    let (status, created) = create(&app, json!([item("crm-x", "xavier", &partner)])).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["data"][0]["id"].as_str().unwrap_or_default();
    for path in [
        format!("/User/getUser?id={id}"),
        // The second page of one: the user above (the manager, changed first, has no partner).
        "/User/updateFrom?date=1999-01-01&pageSize=1&page=2".to_string(),
    ] {
        let (status, xml, content_type) = raw(
            &app,
            app.req(Method::GET, &path)
                .header("accept", "application/xml"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{xml}");
        assert_eq!(content_type, "application/xml");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assert_eq!(
            element_names(&xml),
            element_names(DOCUMENTED_XML),
            "{path}: {xml}"
        );
    }
    let (_, xml, _) = raw(
        &app,
        app.req(Method::GET, &format!("/User/getUser?id={id}"))
            .header("accept", "application/xml"),
    )
    .await;
    assert_eq!(element_text(&xml, "username"), ["xavier"]);
    assert_eq!(element_text(&xml, "active"), ["true"]);
    assert_eq!(element_text(&xml, "tin"), ["NL123456789B01"]);
    assert_eq!(element_text(&xml, "totalItems"), ["1"]);
    assert!(xml.contains("<nextPageUrl/>"), "no next page: {xml}");
    // The page link of an XML page fetches the next page (as XML when asked again).
    let (_, xml, _) = raw(
        &app,
        app.req(Method::GET, "/User/getUser?pageSize=1")
            .header("accept", "application/xml"),
    )
    .await;
    let next = element_text(&xml, "nextPageUrl");
    assert_eq!(next.len(), 1, "{xml}");
    let (status, second, _) = raw(
        &app,
        app.http
            .get(&next[0])
            .header("x-api-key", &app.manager_key)
            .header("accept", "application/xml"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(element_text(&second, "username"), ["xavier"]);
    assert_eq!(element_text(&second, "currentPage"), ["2"]);
}

#[tokio::test]
async fn update_by_server_id_or_id_remote_changes_what_is_sent() {
    let app = TestApp::spawn().await;
    let partner = business_partner(&app).await;
    let (_, created) = create(&app, json!([item("crm-5", "lucia", &partner)])).await;
    let id = created["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    // A second address set natively stays when the primary one is replaced.
    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/v1/users/{id}"),
            Some(json!({"emails": ["lucia@example.com", "l.backup@example.com"]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let documented = json!({
        "username": "lucia.m",
        "name": "Lucia Martinez",
        "languageId": "ca",
        "email": "lucia.m@example.com",
        "businessPartnerId": partner,
        "dateValid": "2998-01-31",
        "active": false
    });
    let (status, body) = app
        .call(Method::PUT, "/User/update/crm-5", Some(documented))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let user = &body["data"][0];
    assert_eq!(user["id"], id.as_str());
    assert_eq!(user["username"], "lucia.m");
    assert_eq!(user["name"], "Lucia Martinez");
    assert_eq!(user["language"]["id"], "ca");
    assert_eq!(user["email"], "lucia.m@example.com");
    assert_eq!(user["dateValid"], "2998-01-31");
    assert_eq!(
        (&user["active"], &user["status"]),
        (&json!(false), &json!("INACTIVE"))
    );
    let (_, native) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(
        native["emails"],
        json!(["lucia.m@example.com", "l.backup@example.com"])
    );

    // By server id; left-out fields keep their values; "" clears an optional one.
    let (status, body) = app
        .call(
            Method::PUT,
            &format!("/User/update/{id}"),
            Some(json!({"active": true, "dateValid": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let user = &body["data"][0];
    assert_eq!(
        (&user["active"], &user["dateValid"]),
        (&json!(true), &Value::Null)
    );
    assert_eq!(user["username"], "lucia.m");
    assert_eq!(user["idRemote"], "crm-5");

    assert_error(
        &app,
        app.req(Method::PUT, "/User/update/crm-404")
            .json(&json!({"name": "X"})),
        404,
        "No entity found for User with crm-404.",
    )
    .await;
    assert_error(
        &app,
        app.req(Method::PUT, &format!("/User/update/{id}"))
            .json(&json!({"languageId": "xx"})),
        400,
        "Parameter languageId is invalid: must be a known ISO 639-1 language code (see GET /v1/languages)",
    )
    .await;
    let unknown = fresh_party();
    assert_error(
        &app,
        app.req(Method::PUT, &format!("/User/update/{id}"))
            .json(&json!({"businessPartnerId": unknown})),
        400,
        &format!(
            "Parameter businessPartnerId is invalid: no party {unknown} is registered in this organization"
        ),
    )
    .await;
    assert_error(
        &app,
        app.req(Method::PUT, &format!("/User/update/{id}"))
            .json(&json!({"username": ""})),
        400,
        "Parameter username is invalid: cannot be removed",
    )
    .await;
    // Renaming onto another live user's username is the documented duplicate.
    app.create_user(json!({"username": "taken", "name": "Taken"}))
        .await;
    assert_error(
        &app,
        app.req(Method::PUT, &format!("/User/update/{id}"))
            .json(&json!({"username": "taken"})),
        409,
        DUPLICATE,
    )
    .await;
    let (_, after) = app
        .call(Method::GET, &format!("/v1/users/{id}"), None)
        .await;
    assert_eq!(
        after["username"], "lucia.m",
        "nothing changed by the failed updates"
    );
}

#[tokio::test]
async fn delete_is_the_soft_delete_and_update_from_shows_the_deletion() {
    let app = TestApp::spawn().await;
    let (_, created) = create(
        &app,
        json!([{"idRemote": "crm-d", "username": "dora", "name": "Dora", "email": "dora@example.com"}]),
    )
    .await;
    let id = created["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (status, body) = app.call(Method::DELETE, "/User/delete/crm-d", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let deleted = &body["data"][0];
    assert_eq!(deleted["id"], id.as_str());
    assert_eq!(
        (&deleted["status"], &deleted["active"]),
        (&json!("DELETED"), &json!(false))
    );

    // Recorded in the deleted history; gone from the live list.
    let (_, history) = app.call(Method::GET, "/v1/users/deleted", None).await;
    assert_eq!(history["data"][0]["userId"], id.as_str());
    let live = get(&app, "/User/getUser").await;
    assert_eq!(
        live["pagination"]["totalItems"], 1,
        "only the manager: {live}"
    );
    // A sync sees the deletion.
    let changes = get(&app, "/User/updateFrom?date=1999-01-01").await;
    let seen: Vec<(&str, &str)> = changes["data"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|u| Some((u["id"].as_str()?, u["status"].as_str()?)))
                .collect()
        })
        .unwrap_or_default();
    assert!(seen.contains(&(id.as_str(), "DELETED")), "{changes}");

    // Username, email and idRemote are released: the same user can be created again.
    let (status, again) = create(
        &app,
        json!([{"idRemote": "crm-d", "username": "dora", "name": "Dora", "email": "dora@example.com"}]),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_ne!(again["data"][0]["id"], id.as_str());
    // By server id a deleted user is still found (deleting it again changes nothing); its
    // released idRemote now names the new user.
    let (status, body) = app
        .call(Method::DELETE, &format!("/User/delete/{id}"), None)
        .await;
    assert_eq!(
        (status, &body["data"][0]["status"]),
        (StatusCode::OK, &json!("DELETED"))
    );
    let (_, history) = app.call(Method::GET, "/v1/users/deleted", None).await;
    assert_eq!(history["pagination"]["totalItems"], 1, "no second record");
    assert_error(
        &app,
        app.req(Method::DELETE, "/User/delete/crm-unknown"),
        404,
        "No entity found for User with crm-unknown.",
    )
    .await;
    assert_error(
        &app,
        app.req(Method::PUT, &format!("/User/update/{id}"))
            .json(&json!({"name": "Back"})),
        409,
        "The user is deleted; restore it before changing it.",
    )
    .await;
}

#[tokio::test]
async fn update_from_requires_its_date_and_lists_changes_since_then() {
    let app = TestApp::spawn().await;
    assert_error(
        &app,
        app.req(Method::GET, "/User/updateFrom"),
        400,
        "Parameter date is required",
    )
    .await;
    assert_error(
        &app,
        app.req(Method::GET, "/User/updateFrom?date=&page=1"),
        400,
        "Parameter date is required",
    )
    .await;
    assert_error(
        &app,
        app.req(Method::GET, "/User/updateFrom?date=yesterday"),
        400,
        "Parameter date is invalid: must be a date like 1999-01-01 (or an RFC 3339 date-time)",
    )
    .await;
    let all = get(&app, "/User/updateFrom?date=1999-01-01").await;
    assert_eq!(all["pagination"]["totalItems"], 1);
    let future = get(&app, "/User/updateFrom?date=2999-01-01").await;
    assert_eq!(future["data"], json!([]));
    assert_eq!(future["pagination"]["totalItems"], 0);

    tokio::time::sleep(Duration::from_millis(20)).await;
    let since = roster_shared::clock::now();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (_, created) = create(&app, json!([{"username": "newer", "name": "Newer"}])).await;
    let recent = get(
        &app,
        &format!("/User/updateFrom?date={}", since.replace(':', "%3A")),
    )
    .await;
    assert_eq!(recent["pagination"]["totalItems"], 1, "{recent}");
    assert_eq!(recent["data"][0]["id"], created["data"][0]["id"]);
}

#[tokio::test]
async fn create_is_all_or_nothing_with_the_failing_item_named() {
    let app = TestApp::spawn().await;
    let partner = business_partner(&app).await;
    app.create_user(json!({"username": "existing", "name": "E", "emails": ["existing@example.com"], "externalId": "crm-e"}))
        .await;
    let ok = item("crm-ok", "fresh", &partner);
    let unknown_partner = fresh_party();
    let cases: Vec<(Value, u16, String)> = vec![
        (json!([ok.clone(), item("crm-2", "existing", &partner)]), 409, DUPLICATE.into()),
        (
            json!([ok.clone(), {"username": "other", "name": "O", "email": "EXISTING@example.com"}]),
            409,
            DUPLICATE.into(),
        ),
        (
            json!([ok.clone(), {"username": "other", "name": "O", "idRemote": "crm-e"}]),
            409,
            DUPLICATE.into(),
        ),
        (
            json!([ok.clone(), item("crm-3", "FRESH", &partner)]),
            409,
            DUPLICATE.into(),
        ),
        (
            json!([ok.clone(), item("crm-ok", "another", &partner)]),
            409,
            DUPLICATE.into(),
        ),
        (
            json!([ok.clone(), item("crm-4", "someone", &unknown_partner)]),
            400,
            format!("Parameter [1].businessPartnerId is invalid: no party {unknown_partner} is registered in this organization"),
        ),
        (
            json!([ok.clone(), {"username": "x", "name": "X", "languageId": "xx"}]),
            400,
            "Parameter [1].languageId is invalid: must be a known ISO 639-1 language code (see GET /v1/languages)".into(),
        ),
        (
            json!([ok.clone(), {"name": "No Username"}]),
            400,
            "Parameter [1].username is required".into(),
        ),
        (
            json!([{"username": "a"}, {"username": "b", "name": "B", "active": "yes"}]),
            400,
            "Parameter [0].name is required; Parameter [1].active is invalid: must be a boolean, not a string".into(),
        ),
        (json!([]), 400, "Parameter body is invalid: must hold at least one user".into()),
    ];
    for (body, status, message) in cases {
        assert_error(
            &app,
            app.req(Method::POST, "/User/create").json(&body),
            status,
            &message,
        )
        .await;
        let live = get(&app, "/User/getUser").await;
        assert_eq!(
            live["pagination"]["totalItems"], 2,
            "nothing created by {body}"
        );
    }
    // A single object is taken as a batch of one.
    let (status, body) = app.call(Method::POST, "/User/create", Some(ok)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn the_documented_errors_come_exactly_as_documented() {
    let app = TestApp::spawn().await;
    for route in [
        (Method::GET, "/User/getUser"),
        (Method::GET, "/User/updateFrom?date=1999-01-01"),
        (Method::POST, "/User/create"),
        (Method::PUT, "/User/update/x"),
        (Method::DELETE, "/User/delete/x"),
    ] {
        let url = format!("{}{}", app.url, route.1);
        assert_error(
            &app,
            app.http.request(route.0.clone(), &url),
            401,
            "Unauthorized.",
        )
        .await;
        for header in ["x-api-key", "authorization"] {
            let value = if header == "x-api-key" {
                "rst_not-a-real-key".to_string()
            } else {
                "Apikey rst_not-a-real-key".to_string()
            };
            assert_error(
                &app,
                app.http
                    .request(route.0.clone(), &url)
                    .header(header, value),
                401,
                "Unauthorized.",
            )
            .await;
        }
    }
    let params: Vec<(&str, &str)> = vec![
        ("/User/getUser?page=0", "Parameter page is invalid: must be a whole number from 1"),
        ("/User/getUser?page=-1", "Parameter page is invalid: must be a whole number from 1"),
        ("/User/getUser?page=two", "Parameter page is invalid: must be a whole number from 1"),
        ("/User/getUser?pageSize=0", "Parameter pageSize is invalid: must be a whole number from 1 to 100"),
        ("/User/getUser?pageSize=101", "Parameter pageSize is invalid: must be a whole number from 1 to 100"),
        ("/User/getUser?cursor=forged", "Parameter cursor is invalid: it was not issued for this organization; start again without it"),
        ("/User/updateFrom?date=1999-02-30", "Parameter date is invalid: must be a date like 1999-01-01 (or an RFC 3339 date-time)"),
    ];
    for (path, message) in params {
        assert_error(&app, app.req(Method::GET, path), 400, message).await;
    }
}

#[tokio::test]
async fn storage_that_cannot_be_reached_is_the_documented_500() {
    let config = Config {
        table_name: "roster-tests".into(),
        dynamodb_endpoint: Some("http://127.0.0.1:9".into()),
        auth_cache_ttl: Duration::from_secs(0),
    };
    let roster = Roster::new(Store::connect(&config), &config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let router = roster_users::routes().into_router(roster);
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let response = reqwest::Client::new()
        .get(format!("{url}/User/getUser"))
        // Well-formed (a malformed key is refused without a read), so the store is asked.
        .header("x-api-key", "rst_0123456789abcdefghijABCDEFGHIJ-_")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        response.text().await.unwrap_or_default(),
        r#"{"code":500,"error":"Database connection failed."}"#
    );
}

/// Every seed-001 route with a request that would succeed for a manager.
fn routes(id: &str) -> Vec<(Method, String, Option<Value>)> {
    vec![
        (Method::GET, "/User/getUser".into(), None),
        (Method::GET, format!("/User/getUser?id={id}"), None),
        (Method::GET, "/User/updateFrom?date=1999-01-01".into(), None),
        (
            Method::POST,
            "/User/create".into(),
            Some(json!([{"username": "intruder", "name": "I"}])),
        ),
        (
            Method::PUT,
            format!("/User/update/{id}"),
            Some(json!({"name": "Hacked"})),
        ),
        (Method::DELETE, format!("/User/delete/{id}"), None),
    ]
}

#[tokio::test]
async fn an_ap_user_gets_403_on_every_route_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let (_, created) = create(
        &app,
        json!([{"idRemote": "crm-v", "username": "victim", "name": "Victim"}]),
    )
    .await;
    let victim = created["data"][0].clone();
    let (_, key) = app.user_with_key("plain", "ApUser").await;
    for reference in [victim["id"].as_str().unwrap_or_default(), "crm-v"] {
        for (method, path, body) in routes(reference) {
            let mut request = app.req_as(&key, method.clone(), &path);
            if let Some(body) = body {
                request = request.json(&body);
            }
            assert_error(
                &app,
                request,
                403,
                "This operation requires the ApManager role.",
            )
            .await;
        }
    }
    let after = get(&app, "/User/getUser?id=crm-v").await;
    assert_eq!(after["data"][0], victim, "nothing changed");
    let live = get(&app, "/User/getUser").await;
    assert_eq!(
        live["pagination"]["totalItems"], 3,
        "admin, victim, plain: no intruder"
    );
}

#[tokio::test]
async fn another_organization_gets_404_and_changes_nothing() {
    let home = TestApp::spawn().await;
    let stranger = TestApp::spawn().await;
    let (_, created) = create(&home, json!([{"idRemote": "crm-v", "username": "victim", "name": "Victim", "email": "victim@example.com"}])).await;
    let victim = created["data"][0].clone();
    let id = victim["id"].as_str().unwrap_or_default().to_string();
    let markers = home.markers().await;
    for reference in [id.as_str(), "crm-v"] {
        for (method, path, body) in routes(reference) {
            if !path.contains(reference) {
                continue; // organization-wide routes act on the caller's own organization
            }
            let mut request = stranger.req(method.clone(), &path);
            if let Some(body) = body {
                request = request.json(&body);
            }
            assert_error(
                &stranger,
                request,
                404,
                &format!("No entity found for User with {reference}."),
            )
            .await;
        }
    }
    for path in [
        "/User/getUser?pageSize=100",
        "/User/updateFrom?date=1999-01-01&pageSize=100",
    ] {
        let theirs = get(&stranger, path).await;
        assert_eq!(
            theirs["pagination"]["totalItems"], 1,
            "{path}: only their manager"
        );
        assert!(!theirs.to_string().contains(&id));
    }
    // Usernames, emails and idRemotes are per organization.
    let (status, body) = create(&stranger, json!([{"idRemote": "crm-v", "username": "victim", "name": "Theirs", "email": "victim@example.com"}])).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let after = get(&home, &format!("/User/getUser?id={id}")).await;
    assert_eq!(after["data"][0], victim, "nothing changed");
    assert_eq!(home.markers().await, markers);
}

#[tokio::test]
async fn bad_input_is_a_named_4xx_never_a_server_error() {
    let app = TestApp::spawn().await;
    let (_, created) = create(&app, json!([{"username": "target", "name": "Target"}])).await;
    let id = created["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let json_cases: Vec<(Method, String, &str, u16)> = vec![
        (Method::POST, "/User/create".into(), "[{\"username\": ", 400),
        (
            Method::POST,
            "/User/create".into(),
            "\"just a string\"",
            400,
        ),
        (
            Method::POST,
            "/User/create".into(),
            "[{\"username\": \"a\", \"name\": \"A\"}] trailing",
            400,
        ),
        (
            Method::POST,
            "/User/create".into(),
            "[{\"username\": 1e999, \"name\": \"A\"}]",
            400,
        ),
        (Method::POST, "/User/create".into(), "[[[[[]]]]]", 400),
        (
            Method::POST,
            "/User/create".into(),
            "[{\"username\": \"a\", \"name\": \"\\u0000\"}]",
            400,
        ),
        (
            Method::PUT,
            format!("/User/update/{id}"),
            "{\"name\": {\"nested\": true}}",
            400,
        ),
        (Method::PUT, format!("/User/update/{id}"), "[]", 400),
        (
            Method::PUT,
            format!("/User/update/{id}"),
            "{\"dateValid\": \"2030-02-31\"}",
            400,
        ),
        (
            Method::PUT,
            format!("/User/update/{id}"),
            "{\"email\": \"not-an-email\"}",
            400,
        ),
        (
            Method::PUT,
            format!("/User/update/{id}"),
            "{\"id\": \"usr_x\"}",
            400,
        ),
        (Method::PUT, "/User/update/%C3%28".into(), "{}", 400),
        (Method::DELETE, "/User/delete/%00".into(), "", 404),
        (Method::GET, "/User/getUser?id=%FF%FE".into(), "", 404),
        (
            Method::GET,
            "/User/getUser?pageSize=99999999999999999999".into(),
            "",
            400,
        ),
    ];
    for (method, path, body, expected) in json_cases {
        let mut request = app.req(method.clone(), &path);
        if !body.is_empty() {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let (status, text, _) = raw(&app, request).await;
        assert_eq!(status.as_u16(), expected, "{method} {path} {body}: {text}");
        let parsed: Value = serde_json::from_str(&text).unwrap_or_default();
        let keys: Vec<&String> = parsed
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["code", "error"], "{method} {path}: {text}");
        assert_eq!(parsed["code"], expected);
    }
    let (status, text, _) = raw(
        &app,
        app.req(Method::POST, "/User/create")
            .header("content-type", "text/plain")
            .body("username=a"),
    )
    .await;
    assert_eq!(
        (status.as_u16(), text.as_str()),
        (
            415,
            r#"{"code":415,"error":"Send the body as application/json."}"#
        )
    );
}

#[tokio::test]
async fn behind_api_gateway_next_page_url_keeps_the_stage() {
    let app = TestApp::spawn().await;
    app.create_user(json!({"username": "second", "name": "Second"}))
        .await;
    let mut event: Value =
        serde_json::from_str(include_str!("../../../events/users/seed001-get-user.json"))
            .unwrap_or_default();
    event["queryStringParameters"]["pageSize"] = json!("1");
    event["multiValueQueryStringParameters"]["pageSize"] = json!(["1"]);
    let text = event
        .to_string()
        .replace("REPLACE_WITH_ROSTER_API_KEY", &app.manager_key);
    let request = lambda::request_from_event(&text).unwrap_or_else(|e| panic!("{e}"));
    let router = roster_users::routes().into_router(app.roster.clone());
    let response = lambda::handle(router, request)
        .await
        .unwrap_or_else(|e| match e {});
    assert_eq!(response.status(), StatusCode::OK);
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap_or_default();
    let page: Value = serde_json::from_slice(&body).unwrap_or_default();
    let next = page["pagination"]["nextPageUrl"]
        .as_str()
        .unwrap_or_default();
    assert!(
        next.starts_with("https://abc123.execute-api.eu-west-1.amazonaws.com/prod/User/getUser?"),
        "{next}"
    );
    assert!(
        next.contains("pageSize=1") && next.contains("page=2&cursor="),
        "{next}"
    );
}

/// Seed 001's business partner of a user shows the party's descriptive fields, never a count
/// (the seed documents none). With many users granted on one party (its count spread over its
/// shards), the partner lookup of a page is still one `BatchGetItem` of the party items only,
/// and the native party shows the exact, summed count.
#[tokio::test]
async fn the_partner_lookup_reads_descriptions_in_one_batch_while_the_count_stays_exact() {
    let plan = roster_tests::faults::FaultPlan::default();
    let app = TestApp::spawn_with_faults(&plan).await;
    let partner = business_partner(&app).await;
    let items: Vec<Value> = (0..12)
        .map(|i| item(&format!("bp-user-{i}"), &format!("bpuser{i}"), &partner))
        .collect();
    let (status, created) = create(&app, Value::Array(items)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let grant = json!({"name": "Acme BV", "permissions": {"canSendDocument": true, "canReceiveDocument": true, "canRemoveDocument": false, "canManageHook": false}});
    let ids: Vec<String> = created["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(ids.len(), 12);
    for id in &ids {
        let (status, body) = app
            .call(
                Method::PUT,
                &format!("/v1/users/{id}/parties/{partner}"),
                Some(grant.clone()),
            )
            .await;
        assert!(status.is_success(), "{body}");
    }
    let (status, party) = app
        .call(Method::GET, &format!("/v1/parties/{partner}"), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(party["authorizations"], 12, "{party}");

    let before = plan.seen().len();
    let page = get(&app, "/User/getUser?pageSize=20").await;
    let batches = plan.seen()[before..]
        .iter()
        .filter(|op| op.as_str() == "BatchGetItem")
        .count();
    assert_eq!(batches, 1, "{:?}", &plan.seen()[before..]);
    let shown: Vec<&Value> = page["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|u| u["businessPartner"]["id"] == partner.as_str())
        .collect();
    assert_eq!(shown.len(), 12, "{page}");
    for user in shown {
        assert_eq!(
            user["businessPartner"],
            json!({"id": partner, "idRemote": "bp-77", "contactName": "Jan Jansen",
                "commercialName": "Acme Trading", "tin": "NL123456789B01"})
        );
    }
    app.assert_invariants().await;
}
