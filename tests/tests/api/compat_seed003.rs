//! Seed 003, the eSignatur users API (`/User/…`), driven exactly as its document shows, plus
//! every error, the creator rules and organization isolation.

use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::{json, Value};

/// The manager key of `app` acting for `creator`.
async fn esig(
    app: &TestApp,
    creator: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    esig_as(app, &app.manager_key, creator, method, path, body).await
}

async fn esig_as(
    app: &TestApp,
    key: &str,
    creator: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.url))
        .header("X-eSignatur-Id", key)
        .header("X-eSignatur-CreatorId", creator);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let (status, body, headers) = app.send(request).await;
    if status != StatusCode::NO_CONTENT {
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            content_type.starts_with("application/json"),
            "{path}: {content_type}"
        );
    }
    (status, body)
}

/// As `admin`, the organization's first manager.
async fn admin(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    esig(app, "admin", method, path, body).await
}

/// The native view of the user with `username`.
async fn native(app: &TestApp, username: &str) -> Value {
    let (status, page) = app
        .call(Method::GET, &format!("/v1/users?username={username}"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(
        page["data"].as_array().map(Vec::len),
        Some(1),
        "exactly one user {username}: {page}"
    );
    page["data"][0].clone()
}

/// Every live user of the organization, re-read from the native API (a snapshot to compare).
async fn all_users(app: &TestApp) -> Value {
    let (status, page) = app.call(Method::GET, "/v1/users?limit=100", None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page["data"].is_array(), "{page}");
    page["data"].clone()
}

#[tokio::test]
async fn the_documented_examples_work_exactly_as_shown() {
    let app = TestApp::spawn().await;

    // Add new user.
    let (status, body) = admin(
        &app,
        Method::POST,
        "/User/Add",
        Some(json!([
          {
            "UserId": "54321",
            "Name": "Parrot and Ferrets",
            "Emails": [
              "parrot@ferret.local"
            ],
            "IsCustomerAdmin": true
          }
        ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!([{"UserId": "54321", "Status": "OK", "Message": "Created"}])
    );
    let (status, user) = admin(&app, Method::GET, "/User/Get/54321", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        user,
        json!({"UserId": "54321", "Name": "Parrot and Ferrets", "Emails": ["parrot@ferret.local"],
               "IsCustomerAdmin": true, "IsDeleted": false})
    );

    // Update (modify) user.
    let (status, body) = admin(
        &app,
        Method::POST,
        "/User/Update",
        Some(json!([
          {
            "UserId": "54321",
            "NewUserId": "15243",
            "Name": "Ferrets and Parrots"
          }
        ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!([{"UserId": "54321", "Status": "OK", "Message": "Changed UserId to 15243,Changed name"}])
    );
    let (status, gone) = admin(&app, Method::GET, "/User/Get/54321", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{gone}");
    assert_eq!(
        (gone["Status"].as_str(), gone["Message"].as_str()),
        (Some("ERROR"), Some("User not found"))
    );
    let (_, renamed) = admin(&app, Method::GET, "/User/Get/15243", None).await;
    assert_eq!(
        (renamed["Name"].as_str(), renamed["Emails"].clone()),
        (Some("Ferrets and Parrots"), json!(["parrot@ferret.local"])),
        "only the given attributes changed"
    );

    // Deactivate user.
    let (status, body) = admin(
        &app,
        Method::POST,
        "/User/Deactivate",
        Some(json!(["15243"])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"UserId": "15243", "Status": "OK", "Message": "User deactivated"})
    );
    let (_, deactivated) = admin(&app, Method::GET, "/User/Get/15243", None).await;
    assert_eq!(deactivated["IsDeleted"], true);

    // Activate user.
    let (status, body) = admin(&app, Method::POST, "/User/Activate", Some(json!(["15243"]))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!({"UserId": "15243", "Status": "OK", "Message": "User activated"})
    );
    let (_, active) = admin(&app, Method::GET, "/User/Get/15243", None).await;
    assert_eq!(active["IsDeleted"], false);
}

#[tokio::test]
async fn index_and_get_answer_with_the_documented_response_model() {
    let app = TestApp::spawn().await;
    let (status, body) = admin(
        &app,
        Method::POST,
        "/User/Add",
        Some(json!([
            {"UserId": "usersen", "Name": "User Usersen", "Emails": ["user1@local"], "NetsId": "1234"},
            {"UserId": "usain", "Name": "Usain User", "Emails": ["user2@local"], "IsCustomerAdmin": true, "NetsId": "4321", "UserIdentificationType": "MitID"},
            {"UserId": "leaver", "Name": "Leaving User"}
        ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body.as_array()
            .is_some_and(|a| a.iter().all(|r| r["Status"] == "OK")),
        "{body}"
    );
    // A natively deleted user has released its UserId: it is not listed.
    let leaver = native(&app, "leaver").await;
    let (status, _) = app
        .call(
            Method::DELETE,
            &format!("/v1/users/{}", leaver["id"].as_str().unwrap_or_default()),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    let (status, index) = admin(&app, Method::GET, "/User/Index", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        index,
        json!([
            {"UserId": "admin", "Name": "admin (manager)", "Emails": [], "IsCustomerAdmin": true, "IsDeleted": false},
            {"UserId": "usersen", "Name": "User Usersen", "Emails": ["user1@local"], "IsCustomerAdmin": false, "IsDeleted": false, "NetsId": "1234"},
            {"UserId": "usain", "Name": "Usain User", "Emails": ["user2@local"], "IsCustomerAdmin": true, "IsDeleted": false, "NetsId": "4321"}
        ])
    );
    let (status, one) = admin(&app, Method::GET, "/User/Get/usersen", None).await;
    assert_eq!((status, &one), (StatusCode::OK, &index[1]));
    // UserIdentificationType is kept as an attribute, NemID when not given.
    assert_eq!(
        native(&app, "usersen").await["attributes"],
        json!({"identificationType": "NemID", "netsId": "1234"})
    );
    assert_eq!(
        native(&app, "usain").await["attributes"],
        json!({"identificationType": "MitID", "netsId": "4321"})
    );
    assert_eq!(native(&app, "usain").await["role"], "ApManager");
    for path in [
        "/User/Get/nobody",
        "/User/Get/has%20space",
        "/User/Get/leaver",
        "/User/Get/%FF%FE",
    ] {
        let (status, body) = admin(&app, Method::GET, path, None).await;
        assert_eq!(
            (status, body["Message"].as_str()),
            (StatusCode::NOT_FOUND, Some("User not found")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn add_fails_each_bad_item_on_its_own_and_an_item_whose_user_id_exists() {
    let app = TestApp::spawn().await;
    let (status, body) = admin(
        &app,
        Method::POST,
        "/User/Add",
        Some(json!([
            {"UserId": "ADMIN", "Name": "Clash"},
            {"UserId": "fresh", "Name": "Fresh User"},
            {"UserId": "fresh", "Name": "Fresh Again"},
            {"Name": "No Id"},
            {"UserId": "noname"},
            {"UserId": "bad-mail", "Name": "Bad Mail", "Emails": ["not-an-email"]},
            {"UserId": "has space", "Name": "Bad Id"},
            {"UserId": "renamer", "Name": "R", "NewUserId": "other"},
            {"UserId": "typo", "Name": "T", "Emials": []},
            {"UserId": "admin-flag", "Name": "A", "IsCustomerAdmin": "yes"},
            42,
            {"userId": "camel", "name": "Camel Case", "emails": ["camel@x.io"], "isCustomerAdmin": false},
            {"UserId": "twice", "userid": "twice", "Name": "Twice"},
            {"UserId": "taken-mail", "Name": "Taken Mail", "Emails": ["FRESH@x.io"]}
        ])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answers: Vec<(Value, String, String)> = body
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["UserId"].clone(),
                        r["Status"].as_str().unwrap_or_default().to_string(),
                        r["Message"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let expected: &[(Value, &str, &str)] = &[
        (json!("ADMIN"), "ERROR", "User ADMIN already exists"),
        (json!("fresh"), "OK", "Created"),
        (json!("fresh"), "ERROR", "User fresh already exists"),
        (Value::Null, "ERROR", "UserId: is required"),
        (json!("noname"), "ERROR", "Name: is required"),
        (
            json!("bad-mail"),
            "ERROR",
            "Emails[0]: must be an email address",
        ),
        (json!("has space"), "ERROR", "UserId: must contain only"),
        (
            json!("renamer"),
            "ERROR",
            "NewUserId: is only used by Update",
        ),
        (json!("typo"), "ERROR", "Emials: is not a known field"),
        (
            json!("admin-flag"),
            "ERROR",
            "IsCustomerAdmin: must be a boolean",
        ),
        (Value::Null, "ERROR", "item: must be a UserModel object"),
        (json!("camel"), "OK", "Created"),
        (json!("twice"), "ERROR", "UserId: is given twice"),
        (json!("taken-mail"), "OK", "Created"),
    ];
    assert_eq!(answers.len(), expected.len(), "{body}");
    for ((id, status, message), (want_id, want_status, want_message)) in
        answers.iter().zip(expected)
    {
        assert_eq!((id, status.as_str()), (want_id, *want_status), "{message}");
        assert!(message.starts_with(want_message), "{want_id}: {message}");
    }
    assert_eq!(native(&app, "camel").await["name"], "Camel Case");
    // Emails are unique in the company (fresh has none, so FRESH@x.io was free).
    let (_, clash) = admin(
        &app,
        Method::POST,
        "/User/Add",
        Some(json!([{"UserId": "mail-clash", "Name": "M", "Emails": ["fresh@X.io"]}])),
    )
    .await;
    assert_eq!(clash[0]["Status"], "ERROR", "{clash}");
    assert!(
        clash[0]["Message"]
            .as_str()
            .unwrap_or_default()
            .contains("already used"),
        "{clash}"
    );
}

#[tokio::test]
async fn update_changes_only_the_given_attributes_and_lists_each_change() {
    let app = TestApp::spawn().await;
    let (_, added) = admin(
        &app,
        Method::POST,
        "/User/Add",
        Some(json!([
            {"UserId": "kim", "Name": "Kim Hansen", "Emails": ["kim@x.io"], "NetsId": "111"},
            {"UserId": "other", "Name": "Other"}
        ])),
    )
    .await;
    assert!(
        added
            .as_array()
            .is_some_and(|a| a.iter().all(|r| r["Status"] == "OK")),
        "{added}"
    );
    let cases: &[(Value, &str, &str)] = &[
        (
            json!({"UserId": "kim", "Emails": ["kim@y.io", "k@y.io"]}),
            "OK",
            "Changed emails",
        ),
        (
            json!({"UserId": "kim", "IsCustomerAdmin": true}),
            "OK",
            "Changed IsCustomerAdmin to true",
        ),
        (
            json!({"UserId": "kim", "UserIdentificationType": "MitID"}),
            "OK",
            "Changed UserIdentificationType to MitID",
        ),
        (
            json!({"UserId": "kim", "NetsId": "222"}),
            "OK",
            "Changed NetsId",
        ),
        (
            json!({"UserId": "kim", "Name": "Kim Hansen", "Emails": ["kim@y.io", "k@y.io"]}),
            "OK",
            "No changes",
        ),
        // A whole model with nulls (how .NET clients send unset properties) changes nothing.
        (
            json!({"UserId": "kim", "NewUserId": null, "Name": null, "Emails": null, "IsCustomerAdmin": null, "UserIdentificationType": null, "NetsId": null}),
            "OK",
            "No changes",
        ),
        (
            json!({"userId": "kim", "name": "Kim H.", "isCustomerAdmin": false}),
            "OK",
            "Changed name,Changed IsCustomerAdmin to false",
        ),
        (
            json!({"UserId": "kim", "NetsId": ""}),
            "OK",
            "Changed NetsId",
        ),
        (
            json!({"UserId": "kim", "NewUserId": "other"}),
            "ERROR",
            "UserId other already exists",
        ),
        (
            json!({"UserId": "kim", "NewUserId": "Kim"}),
            "OK",
            "Changed UserId to Kim",
        ),
        (
            json!({"UserId": "nobody", "Name": "X"}),
            "ERROR",
            "User not found",
        ),
        (json!({"Name": "No Id"}), "ERROR", "UserId: is required"),
        (
            json!({"UserId": "other", "Emails": ["kim@y.io"]}),
            "ERROR",
            "The email kim@y.io is already used",
        ),
        (
            json!({"UserId": "other", "Name": ""}),
            "ERROR",
            "Name: must not be empty",
        ),
        (
            json!({"UserId": "other", "UserIdentificationType": ""}),
            "ERROR",
            "UserIdentificationType: must not be empty",
        ),
        (
            json!({"UserId": "other", "Colour": "red"}),
            "ERROR",
            "Colour: is not a known field",
        ),
        (json!("kim"), "ERROR", "item: must be a UserModel object"),
    ];
    for (item, want_status, want_message) in cases {
        let before = all_users(&app).await;
        let (status, body) = admin(&app, Method::POST, "/User/Update", Some(json!([item]))).await;
        if *want_status == "ERROR" || *want_message == "No changes" {
            // Re-read, not re-checked: the stored users (versions included) did not move.
            assert_eq!(all_users(&app).await, before, "{item} changed something");
        }
        assert_eq!(status, StatusCode::OK, "{item}: {body}");
        assert_eq!(body.as_array().map(Vec::len), Some(1), "{body}");
        let answer = &body[0];
        assert_eq!(answer["Status"], *want_status, "{item}: {answer}");
        let message = answer["Message"].as_str().unwrap_or_default();
        assert!(message.starts_with(want_message), "{item}: {message}");
        assert_eq!(
            answer["UserId"],
            item.get("UserId")
                .or_else(|| item.get("userId"))
                .cloned()
                .unwrap_or(Value::Null)
        );
    }
    let kim = native(&app, "Kim").await;
    assert_eq!(kim["name"], "Kim H.");
    assert_eq!(kim["emails"], json!(["kim@y.io", "k@y.io"]));
    assert_eq!(kim["role"], "ApUser");
    assert_eq!(
        kim["attributes"],
        json!({"identificationType": "MitID"}),
        "NetsId removed"
    );
    let other = native(&app, "other").await;
    assert_eq!(
        (other["name"].clone(), other["emails"].clone()),
        (json!("Other"), json!([]))
    );

    // Several items: each on its own, answered in order.
    let (_, body) = admin(
        &app,
        Method::POST,
        "/User/Update",
        Some(json!([
            {"UserId": "Kim", "Name": "Kim One"},
            {"UserId": "ghost", "Name": "G"},
            {"UserId": "other", "NewUserId": "other2", "Emails": ["o@x.io"]}
        ])),
    )
    .await;
    assert_eq!(
        body,
        json!([
            {"UserId": "Kim", "Status": "OK", "Message": "Changed name"},
            {"UserId": "ghost", "Status": "ERROR", "Message": "User not found"},
            {"UserId": "other", "Status": "OK", "Message": "Changed UserId to other2,Changed emails"}
        ])
    );
}

#[tokio::test]
async fn deactivate_and_activate_answer_several_ids_with_an_array_in_order() {
    let app = TestApp::spawn().await;
    let (first, first_key) = app.user_with_key("first", "ApUser").await;
    let (_, _) = app.user_with_key("second", "ApUser").await;
    let ids = json!(["first", "nobody", "second", 7, "SECOND"]);
    let (status, body) = admin(&app, Method::POST, "/User/Deactivate", Some(ids.clone())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        json!([
            {"UserId": "first", "Status": "OK", "Message": "User deactivated"},
            {"UserId": "nobody", "Status": "ERROR", "Message": "User not found"},
            {"UserId": "second", "Status": "OK", "Message": "User deactivated"},
            {"UserId": null, "Status": "ERROR", "Message": "UserId: must be a string (a UserId)"},
            {"UserId": "SECOND", "Status": "OK", "Message": "User deactivated"}
        ])
    );
    assert_eq!(native(&app, "first").await["status"], "INACTIVE");
    let (status, _) = app.call_as(&first_key, Method::GET, "/v1/me", None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "a deactivated user's key stops working"
    );

    let (_, body) = admin(
        &app,
        Method::POST,
        "/User/Activate",
        Some(json!(["first", "second"])),
    )
    .await;
    assert_eq!(
        body,
        json!([
            {"UserId": "first", "Status": "OK", "Message": "User activated"},
            {"UserId": "second", "Status": "OK", "Message": "User activated"}
        ])
    );
    let (status, _) = app.call_as(&first_key, Method::GET, "/v1/me", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["username"], "first");

    // An empty array is answered with an empty array.
    let (status, body) = admin(&app, Method::POST, "/User/Activate", Some(json!([]))).await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    // One id that fails is still one object.
    let (_, body) = admin(&app, Method::POST, "/User/Activate", Some(json!(["ghost"]))).await;
    assert_eq!(
        body,
        json!({"UserId": "ghost", "Status": "ERROR", "Message": "User not found"})
    );
    // Neither the key's user nor the creator can deactivate itself.
    let (_, body) = admin(
        &app,
        Method::POST,
        "/User/Deactivate",
        Some(json!(["admin"])),
    )
    .await;
    assert_eq!(body["Status"], "ERROR", "{body}");
    assert!(body["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("cannot deactivate its own user"));
}

#[tokio::test]
async fn the_creator_must_be_an_active_administrator_of_the_company() {
    let app = TestApp::spawn().await;
    let stranger = TestApp::spawn().await;
    let (_, _) = app.user_with_key("plain", "ApUser").await;
    let (boss, _) = app.user_with_key("boss", "ApManager").await;
    let (_, _) = app.user_with_key("retired", "ApManager").await;
    let (status, _) = admin(
        &app,
        Method::POST,
        "/User/Deactivate",
        Some(json!(["retired"])),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // `ghost` exists only in another organization.
    let (_, _) = stranger.user_with_key("ghost", "ApManager").await;

    let routes: Vec<(Method, &str, Option<Value>)> = vec![
        (Method::GET, "/User/Index", None),
        (Method::GET, "/User/Get/boss", None),
        (
            Method::POST,
            "/User/Add",
            Some(json!([{"UserId": "sneaky", "Name": "S"}])),
        ),
        (
            Method::POST,
            "/User/Update",
            Some(json!([{"UserId": "plain", "Name": "Changed"}])),
        ),
        (Method::POST, "/User/Deactivate", Some(json!(["plain"]))),
        (Method::POST, "/User/Activate", Some(json!(["retired"]))),
    ];
    let creators: &[(Option<&str>, StatusCode, &str, &str)] = &[
        (
            None,
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "X-eSignatur-CreatorId: is required",
        ),
        (
            Some(""),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "X-eSignatur-CreatorId: is required",
        ),
        (
            Some("no such;user"),
            StatusCode::BAD_REQUEST,
            "VALIDATION_FAILED",
            "X-eSignatur-CreatorId: is not a valid UserId",
        ),
        (
            Some("nobody"),
            StatusCode::FORBIDDEN,
            "ACTOR_UNKNOWN",
            "X-eSignatur-CreatorId: The acting user nobody does not exist",
        ),
        (
            Some("ghost"),
            StatusCode::FORBIDDEN,
            "ACTOR_UNKNOWN",
            "X-eSignatur-CreatorId: The acting user ghost does not exist",
        ),
        (
            Some("plain"),
            StatusCode::FORBIDDEN,
            "ACTOR_NOT_MANAGER",
            "X-eSignatur-CreatorId: The acting user plain is not an administrator",
        ),
        (
            Some("retired"),
            StatusCode::FORBIDDEN,
            "ACTOR_INACTIVE",
            "X-eSignatur-CreatorId: The acting user retired is deactivated",
        ),
    ];
    for (method, path, body) in &routes {
        for (creator, want_status, want_code, want_message) in creators {
            let mut request = app
                .http
                .request(method.clone(), format!("{}{path}", app.url))
                .header("X-eSignatur-Id", &app.manager_key);
            if let Some(creator) = creator {
                request = request.header("X-eSignatur-CreatorId", *creator);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let (status, answer, _) = app.send(request).await;
            assert_eq!(
                status, *want_status,
                "{method} {path} as {creator:?}: {answer}"
            );
            assert_eq!(answer["Status"], "ERROR");
            assert_eq!(answer["Code"], *want_code, "{answer}");
            let message = answer["Message"].as_str().unwrap_or_default();
            assert!(
                message.starts_with(want_message),
                "{method} {path} as {creator:?}: {message}"
            );
        }
        // An active administrator other than the key's user may act.
        let (status, answer) = esig(&app, "boss", method.clone(), path, body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{method} {path} as boss: {answer}");
    }
    // Nothing the refused requests asked for happened.
    let (_, sneaky) = app
        .call(Method::GET, "/v1/users?username=sneaky", None)
        .await;
    assert_eq!(
        sneaky["pagination"]["totalItems"], 1,
        "only boss's Add created it"
    );
    assert_eq!(boss["role"], "ApManager");

    // Where the organization requires registration, an unregistered administrator cannot act.
    app.set_requires_registration(true).await;
    let (status, answer) = esig(&app, "boss", Method::GET, "/User/Index", None).await;
    assert_eq!(
        (status, answer["Code"].as_str()),
        (StatusCode::FORBIDDEN, Some("ACTOR_INACTIVE")),
        "{answer}"
    );
    assert!(answer["Message"]
        .as_str()
        .unwrap_or_default()
        .contains("not registered"));
    let (status, _) = admin(&app, Method::GET, "/User/Index", None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the operator-made manager is registered"
    );
}

#[tokio::test]
async fn the_key_is_checked_first_and_must_belong_to_a_manager() {
    let app = TestApp::spawn().await;
    let (_, user_key) = app.user_with_key("plain", "ApUser").await;
    let cases: &[(Option<&str>, StatusCode, &str, &str)] = &[
        (
            None,
            StatusCode::UNAUTHORIZED,
            "MISSING_API_KEY",
            "An API key is required in the X-eSignatur-Id header.",
        ),
        (
            Some("rst_not-a-real-key"),
            StatusCode::UNAUTHORIZED,
            "INVALID_API_KEY",
            "The API key in X-eSignatur-Id is not valid.",
        ),
        (
            Some(user_key.as_str()),
            StatusCode::FORBIDDEN,
            "FORBIDDEN",
            "This operation requires the ApManager role.",
        ),
    ];
    for (key, want_status, want_code, want_message) in cases {
        for (method, path) in [
            (Method::GET, "/User/Index"),
            (Method::POST, "/User/Activate"),
        ] {
            let mut request = app
                .http
                .request(method.clone(), format!("{}{path}", app.url))
                .header("X-eSignatur-CreatorId", "admin")
                .json(&json!(["plain"]));
            if let Some(key) = key {
                request = request.header("X-eSignatur-Id", *key);
            }
            let (status, answer, _) = app.send(request).await;
            assert_eq!(
                (status, &answer),
                (
                    *want_status,
                    &json!({"Status": "ERROR", "Message": want_message, "Code": want_code})
                ),
                "{path} with {key:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_creator_is_recorded_as_the_actor_of_each_change() {
    let app = TestApp::spawn().await;
    let (boss, boss_key) = app.user_with_key("boss", "ApManager").await;
    let boss_id = boss["id"].clone();
    let admin_id = json!(app.manager_id.to_string());

    let (_, body) = esig(
        &app,
        "boss",
        Method::POST,
        "/User/Add",
        Some(json!([{"UserId": "hire", "Name": "New Hire"}])),
    )
    .await;
    assert_eq!(body[0]["Status"], "OK", "{body}");
    let hire = native(&app, "hire").await;
    assert_eq!(
        (&hire["createdBy"], &hire["updatedBy"]),
        (&boss_id, &boss_id)
    );

    let (_, body) = admin(
        &app,
        Method::POST,
        "/User/Update",
        Some(json!([{"UserId": "hire", "Name": "Renamed Hire"}])),
    )
    .await;
    assert_eq!(body[0]["Status"], "OK", "{body}");
    let hire = native(&app, "hire").await;
    assert_eq!(
        (&hire["createdBy"], &hire["updatedBy"]),
        (&boss_id, &admin_id)
    );

    let (_, body) = esig(
        &app,
        "boss",
        Method::POST,
        "/User/Deactivate",
        Some(json!(["hire"])),
    )
    .await;
    assert_eq!(body["Status"], "OK", "{body}");
    assert_eq!(native(&app, "hire").await["updatedBy"], boss_id);

    let (_, body) = admin(&app, Method::POST, "/User/Activate", Some(json!(["hire"]))).await;
    assert_eq!(body["Status"], "OK", "{body}");
    assert_eq!(native(&app, "hire").await["updatedBy"], admin_id);

    // A native change is recorded as made by the key's user.
    let hire_id = hire["id"].as_str().unwrap_or_default();
    let (status, changed) = app
        .call_as(
            &boss_key,
            Method::PATCH,
            &format!("/v1/users/{hire_id}"),
            Some(json!({"name": "Natively Renamed"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["updatedBy"], boss_id);
    // The creator's own record is untouched by acting.
    let (_, boss_now) = app
        .call(
            Method::GET,
            &format!("/v1/users/{}", boss_id.as_str().unwrap_or_default()),
            None,
        )
        .await;
    assert_eq!(boss_now["version"], boss["version"]);
}

#[tokio::test]
async fn another_company_sees_and_changes_none_of_these_users() {
    let home = TestApp::spawn().await;
    let stranger = TestApp::spawn().await;
    let (status, body) = admin(&home, Method::POST, "/User/Add", Some(json!([{"UserId": "54321", "Name": "Parrot and Ferrets", "Emails": ["parrot@ferret.local"]}]))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body[0]["Status"], "OK");
    let before = native(&home, "54321").await;

    let (status, _) = admin(&stranger, Method::GET, "/User/Get/54321", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, index) = admin(&stranger, Method::GET, "/User/Index", None).await;
    assert_eq!(status, StatusCode::OK, "{index}");
    assert!(index.is_array(), "{index}");
    assert!(!index.to_string().contains("54321"), "{index}");
    let (_, body) = admin(
        &stranger,
        Method::POST,
        "/User/Update",
        Some(json!([{"UserId": "54321", "Name": "Hacked"}])),
    )
    .await;
    assert_eq!(
        body,
        json!([{"UserId": "54321", "Status": "ERROR", "Message": "User not found"}])
    );
    for path in ["/User/Deactivate", "/User/Activate"] {
        let (_, body) = admin(&stranger, Method::POST, path, Some(json!(["54321"]))).await;
        assert_eq!(
            body,
            json!({"UserId": "54321", "Status": "ERROR", "Message": "User not found"}),
            "{path}"
        );
    }
    // A UserId (and an email) is unique per company, not across companies.
    let (_, body) = admin(
        &stranger,
        Method::POST,
        "/User/Add",
        Some(json!([{"UserId": "54321", "Name": "Theirs", "Emails": ["parrot@ferret.local"]}])),
    )
    .await;
    assert_eq!(body[0]["Status"], "OK", "{body}");
    assert_eq!(native(&home, "54321").await, before, "nothing changed");
}

#[tokio::test]
async fn bad_requests_get_a_clear_error_and_never_a_500() {
    let app = TestApp::spawn().await;
    let cases: &[(&str, &str, Option<&str>, StatusCode, &str)] = &[
        (
            "/User/Add",
            "{\"UserId\": \"x\", \"Name\": \"X\"}",
            Some("application/json"),
            StatusCode::BAD_REQUEST,
            "body: must be a JSON array of UserModel objects",
        ),
        (
            "/User/Update",
            "\"x\"",
            Some("application/json"),
            StatusCode::BAD_REQUEST,
            "body: must be a JSON array of UserModel objects",
        ),
        (
            "/User/Deactivate",
            "{\"ids\": [\"x\"]}",
            Some("application/json"),
            StatusCode::BAD_REQUEST,
            "body: must be a JSON array of UserIds",
        ),
        (
            "/User/Activate",
            "null",
            Some("application/json"),
            StatusCode::BAD_REQUEST,
            "body: must be a JSON array of UserIds",
        ),
        (
            "/User/Add",
            "[{\"UserId\": ",
            Some("application/json"),
            StatusCode::BAD_REQUEST,
            "The request body could not be read: not valid JSON",
        ),
        (
            "/User/Update",
            "",
            Some("application/json"),
            StatusCode::BAD_REQUEST,
            "The request body could not be read: the body is empty",
        ),
        (
            "/User/Deactivate",
            "<ids/>",
            Some("application/xml"),
            StatusCode::BAD_REQUEST,
            "The request body could not be read: not valid JSON",
        ),
    ];
    for (path, body, content_type, want_status, want_message) in cases {
        let mut request = app
            .http
            .post(format!("{}{path}", app.url))
            .header("X-eSignatur-Id", &app.manager_key)
            .header("X-eSignatur-CreatorId", "admin")
            .body(body.to_string());
        if let Some(content_type) = content_type {
            request = request.header("content-type", *content_type);
        }
        let (status, answer, _) = app.send(request).await;
        assert_eq!(status, *want_status, "{path} {body}: {answer}");
        assert_eq!(answer["Status"], "ERROR");
        let message = answer["Message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(want_message),
            "{path} {body}: {message}"
        );
    }
    // Too many items.
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"UserId": format!("u{i}"), "Name": "U"}))
        .collect();
    let (status, answer) = admin(&app, Method::POST, "/User/Add", Some(json!(many))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert_eq!(answer["Message"], "body: must hold at most 100 items");
    let ids: Vec<Value> = (0..101).map(|i| json!(format!("u{i}"))).collect();
    let (status, _) = admin(&app, Method::POST, "/User/Deactivate", Some(json!(ids))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // JSON sent as text/plain (or unlabelled), as many older clients do, is read as JSON.
    for content_type in [Some("text/plain; charset=utf-8"), None] {
        let mut request = app
            .http
            .post(format!("{}/User/Add", app.url))
            .header("X-eSignatur-Id", &app.manager_key)
            .header("X-eSignatur-CreatorId", "admin")
            .body(format!(
                "[{{\"UserId\": \"plain-{}\", \"Name\": \"Plain\"}}]",
                content_type.is_some()
            ));
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let (status, answer, _) = app.send(request).await;
        assert_eq!(
            (status, answer[0]["Status"].as_str()),
            (StatusCode::OK, Some("OK")),
            "{answer}"
        );
    }
    // Odd values in every field of an item: per-item errors, never a 500.
    let odd = [
        json!(null),
        json!(true),
        json!(1.5),
        json!([]),
        json!({}),
        json!("x".repeat(300)),
        json!("\u{0}"),
    ];
    for value in odd {
        let item = json!({"UserId": value, "NewUserId": value, "Name": value, "Emails": value, "IsCustomerAdmin": value, "UserIdentificationType": value, "NetsId": value});
        for path in ["/User/Add", "/User/Update"] {
            let (status, answer) = admin(&app, Method::POST, path, Some(json!([item]))).await;
            assert_eq!(status, StatusCode::OK, "{path} {item}: {answer}");
            assert_eq!(answer[0]["Status"], "ERROR", "{path} {item}: {answer}");
        }
        let (status, answer) =
            admin(&app, Method::POST, "/User/Deactivate", Some(json!([value]))).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["Status"], "ERROR", "{answer}");
    }
}
