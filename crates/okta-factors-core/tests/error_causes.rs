//! `errorCauses` entries keep every member Okta sends: `errorSummary`,
//! `reason`, `location`, `locationType`, `domain` typed, anything else in
//! `extra`, and the error body serializes back to the JSON that came in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use okta_factors_core::operations::EnrollFactor;
use okta_factors_core::{model::FactorEnrollment, Error, ErrorCause, OktaError, Operation};
use serde_json::{json, Value};

/// The error body of a `400` to an enroll, as the crate's client sees it.
fn api_error(body: &[u8]) -> OktaError {
    let response = http::Response::builder()
        .status(400)
        .header("content-type", "application/json")
        .body(body.to_vec())
        .unwrap();
    match EnrollFactor::new("00u1", FactorEnrollment::sms("+15554151337")).parse_response(response)
    {
        Err(Error::Api(api)) => api.body,
        other => panic!("expected an Okta API error, got {other:?}"),
    }
}

fn rich_error() -> Value {
    json!({
        "errorCode": "E0000001",
        "errorSummary": "Api validation failed: factorEnrollRequest",
        "errorLink": "E0000001",
        "errorId": "oaeXuHDpPt8R6e8lRzKPa7VhQ",
        "errorCauses": [
            {
                "errorSummary": "Invalid Phone Number.",
                "reason": "INVALID_VALUE",
                "location": "profile.phoneNumber",
                "locationType": "body",
                "domain": "factors",
                "errorDetail": {"pattern": "^\\+[1-9]\\d{1,14}$", "maxLength": 15},
                "help": ["E.164"]
            },
            {"errorSummary": "second cause"},
            {"reason": "ONLY_A_REASON", "location": null, "domain": 7}
        ]
    })
}

#[test]
fn every_member_of_a_cause_is_kept_and_round_trips() {
    let input = rich_error();
    let bytes = serde_json::to_vec(&input).unwrap();
    let error = api_error(&bytes);
    let first = &error.error_causes[0];
    assert_eq!(
        first.error_summary.as_deref(),
        Some("Invalid Phone Number.")
    );
    assert_eq!(first.reason.as_deref(), Some("INVALID_VALUE"));
    assert_eq!(first.location.as_deref(), Some("profile.phoneNumber"));
    assert_eq!(first.location_type.as_deref(), Some("body"));
    assert_eq!(first.domain.as_deref(), Some("factors"));
    assert_eq!(first.extra["errorDetail"]["maxLength"], 15);
    assert_eq!(first.extra["help"], json!(["E.164"]));
    // A member of another type than text stays, under its name, in `extra`.
    let third = &error.error_causes[2];
    assert_eq!(third.reason.as_deref(), Some("ONLY_A_REASON"));
    assert_eq!(
        (third.location.as_ref(), third.domain.as_ref()),
        (None, None)
    );
    assert_eq!(third.extra["location"], Value::Null);
    assert_eq!(third.extra["domain"], 7);
    // Serializing gives back exactly what came in.
    assert_eq!(serde_json::to_value(&error).unwrap(), input);
}

#[test]
fn the_general_error_path_keeps_them_too() {
    // A repeated member sends the body through the general path.
    let text =
        serde_json::to_string(&rich_error())
            .unwrap()
            .replacen('{', r#"{"errorCode":"E1","#, 1);
    let error = api_error(text.as_bytes());
    assert_eq!(error.error_code.as_deref(), Some("E0000001"));
    assert_eq!(serde_json::to_value(&error).unwrap(), rich_error());
}

#[test]
fn a_single_cause_object_keeps_its_members() {
    let error = api_error(
        br#"{"errorCode":"E0000001","errorCauses":{"errorSummary":"s","reason":"r","location":"l","locationType":"query","domain":"d","x":true}}"#,
    );
    let mut expected = ErrorCause::default();
    expected.error_summary = Some("s".into());
    expected.reason = Some("r".into());
    expected.location = Some("l".into());
    expected.location_type = Some("query".into());
    expected.domain = Some("d".into());
    expected.extra.insert("x".into(), Value::Bool(true));
    assert_eq!(error.error_causes, vec![expected]);
}

#[test]
fn secret_named_members_of_a_cause_are_redacted_in_debug() {
    let error = api_error(
        br#"{"errorCode":"E0000068","errorCauses":[{"errorSummary":"bad","passCode":"918273"}]}"#,
    );
    let cause = &error.error_causes[0];
    assert_eq!(cause.extra["passCode"], "918273");
    for text in [format!("{cause:?}"), format!("{error:?}")] {
        assert!(!text.contains("918273"), "{text}");
        assert!(text.contains("passCode"), "{text}");
    }
}

#[test]
fn an_odd_cause_element_fails_only_itself() {
    // One element of another JSON type used to fail the whole error body (the
    // caller got a decode error instead of Okta's code): now each element is
    // read on its own.
    let error = api_error(
        br#"{"errorCode":"E0000001","errorSummary":"Api validation failed","errorCauses":["plain text",{"errorSummary":"typed","reason":"r"},42,null,[1]]}"#,
    );
    assert_eq!(error.error_code.as_deref(), Some("E0000001"));
    let summaries: Vec<_> = error
        .error_causes
        .iter()
        .map(|c| c.error_summary.as_deref().unwrap())
        .collect();
    assert_eq!(summaries, ["plain text", "typed", "42", "[1]"]);
    assert_eq!(error.error_causes[1].reason.as_deref(), Some("r"));
}
