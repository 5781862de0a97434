//! The template's operability settings (issue 15): tracing switchable and off by default, access
//! logs with the fields an on-call engineer needs, deletion protection, the alarms, the
//! existing-table switch, no allocator knob in any function's environment.

use serde_yaml::Value;

fn template() -> Value {
    serde_yaml::from_str(include_str!("../../../template.yaml"))
        .unwrap_or_else(|e| panic!("template.yaml: {e}"))
}

fn resource<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc.get("Resources")
        .and_then(|r| r.get(name))
        .unwrap_or_else(|| panic!("resource {name}"))
}

#[test]
fn tracing_is_a_parameter_off_by_default_for_functions_and_stage() {
    let doc = template();
    let tracing = &doc["Parameters"]["Tracing"];
    assert_eq!(tracing["Default"].as_str(), Some("Disabled"));
    let text = include_str!("../../../template.yaml");
    assert!(text.contains("Tracing: !If [TracingActive, Active, PassThrough]"));
    assert!(text.contains("TracingEnabled: !If [TracingActive, true, false]"));
}

#[test]
fn access_logs_are_json_with_request_key_status_latency_and_authorizer_error() {
    let doc = template();
    let setting = &resource(&doc, "Api")["Properties"]["AccessLogSetting"];
    let format = setting["Format"].as_str().unwrap_or_default();
    let parsed: serde_json::Value =
        serde_json::from_str(format).unwrap_or_else(|e| panic!("access log format is JSON: {e}"));
    for (key, variable) in [
        ("requestId", "$context.requestId"),
        ("apiKeyId", "$context.identity.apiKeyId"),
        ("status", "$context.status"),
        ("responseLatency", "$context.responseLatency"),
        ("authorizerError", "$context.authorizer.error"),
    ] {
        assert_eq!(parsed[key], variable, "{key}");
    }
    assert!(doc["Parameters"]
        .get("CreateApiGatewayAccountRole")
        .is_some());
    assert_eq!(
        resource(&doc, "ApiGatewayAccount")["Condition"].as_str(),
        Some("CreatesApiGatewayAccountRole")
    );
}

#[test]
fn the_table_is_deletion_protected_and_replaceable_by_an_existing_one() {
    let doc = template();
    let table = resource(&doc, "Table");
    assert_eq!(
        table["Properties"]["DeletionProtectionEnabled"].as_bool(),
        Some(true)
    );
    assert_eq!(table["Condition"].as_str(), Some("CreatesTable"));
    assert_eq!(
        doc["Parameters"]["ExistingTableName"]["Default"].as_str(),
        Some("")
    );
    // Every reference to the table goes through the switch.
    let text = include_str!("../../../template.yaml");
    for line in text
        .lines()
        .filter(|l| l.contains("Table.Arn") || l.contains("!Ref Table"))
    {
        assert!(
            line.contains("UsesExistingTable"),
            "unswitched table reference: {line}"
        );
    }
}

#[test]
fn dynamodb_and_latency_alarms_exist_and_no_function_sets_malloc_knobs() {
    let doc = template();
    for alarm in [
        "TableThrottlesAlarm",
        "TableSystemErrorsAlarm",
        "AuthorizerFunctionP99LatencyAlarm",
        "UsersFunctionP99LatencyAlarm",
        "PartyFunctionP99LatencyAlarm",
        "ActivationFunctionP99LatencyAlarm",
    ] {
        assert_eq!(
            resource(&doc, alarm)["Type"].as_str(),
            Some("AWS::CloudWatch::Alarm"),
            "{alarm}"
        );
    }
    assert_eq!(
        resource(&doc, "UsersFunctionP99LatencyAlarm")["Properties"]["ExtendedStatistic"].as_str(),
        Some("p99")
    );
    assert!(!include_str!("../../../template.yaml").contains("MALLOC_"));
}
