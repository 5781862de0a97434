use quick_xml::events::Event;
use reqwest::{Method, StatusCode};
use roster_tests::TestApp;
use serde_json::json;

fn element_texts(xml: &str, name: &str) -> Vec<String> {
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

#[tokio::test]
async fn accept_xml_gives_the_same_document_as_xml() {
    let app = TestApp::spawn().await;
    let user = app
        .create_user(json!({"username": "tom", "name": "Tom & <Jerry>", "emails": ["t@x.io"]}))
        .await;
    let id = user["id"].as_str().unwrap_or_default();
    let response = app
        .req(Method::GET, &format!("/v1/users/{id}"))
        .header("accept", "application/xml")
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/xml");
    let xml = response.text().await.unwrap_or_default();
    assert_eq!(
        element_texts(&xml, "name"),
        vec!["Tom & <Jerry>".to_string()]
    );
    assert_eq!(element_texts(&xml, "id"), vec![id.to_string()]);

    let list = app
        .req(Method::GET, "/v1/users")
        .header("accept", "application/xml")
        .send()
        .await
        .expect("sent");
    let xml = list.text().await.unwrap_or_default();
    assert_eq!(element_texts(&xml, "totalItems"), vec!["2".to_string()]);
    assert_eq!(element_texts(&xml, "username").len(), 2);

    let missing = app
        .req(Method::GET, "/v1/users/usr_01HZZZZZZZZZZZZZZZZZZZZZZZ")
        .header("accept", "application/xml")
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.headers()["content-type"], "application/problem+xml");
    assert_eq!(
        element_texts(&missing.text().await.unwrap_or_default(), "code"),
        vec!["NOT_FOUND".to_string()]
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_problem_json() {
    let app = TestApp::spawn().await;
    let (status, problem, headers) = app.send(app.req(Method::GET, "/v1/nothing-here")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["content-type"], "application/problem+json");
    assert_eq!(problem["status"], 404);
    let (status, problem, _) = app.send(app.req(Method::PUT, "/v1/users")).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("METHOD_NOT_ALLOWED"))
    );
}
