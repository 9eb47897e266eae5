//! What Okta may send that the model does not expect, on the spec's own
//! examples: `_links` relations of any shape (kept as sent), and members sent
//! as `null` (written back as `null`). Each test checks the exact JSON
//! round trip as well.
//!
//! The property suites (`properties.rs`) generate the same shapes at random.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use okta_factors_core::model::{ActivateOutcome, LinkSet, Links, UserFactor, VerifyOutcome};
use okta_factors_core::operations::{ActivateFactor, GetFactor, ListFactors, VerifyFactor};
use okta_factors_core::Operation;
use serde_json::{json, Value};

/// The `wire_body` of `tests/fixtures/spec/<name>.json`.
fn spec_body(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spec")
        .join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let fixture: Value = serde_json::from_str(&text).unwrap();
    fixture["wire_body"].clone()
}

fn response(body: &Value) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap())
        .unwrap()
}

// ---------------------------------------------------------------------------
// Point 15: a `_links` relation of any shape is kept as sent
// ---------------------------------------------------------------------------

#[test]
fn link_relations_of_any_shape_are_kept_and_fail_nothing() {
    let mut factor = spec_body("enroll_factor--response--200--call");
    let links = factor["_links"].as_object_mut().unwrap();
    let resend = links["resend"][0].clone();
    // The 3.0 schema (`LinksSelf`) allows any value beside `self`.
    links.insert("user".into(), json!(null));
    links.insert("deactivate".into(), json!("https://example.okta.com/x"));
    links.insert("resend".into(), json!([resend, 5]));
    links.insert(
        "activate".into(),
        json!({"href": 5, "hints": {"allow": ["POST"]}}),
    );
    links.insert(
        "next".into(),
        json!({"href": "n", "hints": {"allow": "POST"}}),
    );
    links.insert("poll".into(), json!({"href": "p", "templated": "no"}));
    links.insert("x-custom".into(), json!({"count": 3}));
    links.insert("x-odd".into(), json!([{"sharedSecret": "SECRETLINK"}, 1]));
    let list = json!([factor]);

    let factors = ListFactors::new("00u1")
        .parse_response(response(&list))
        .expect("a link relation of another shape must not fail the list")
        .value;
    let UserFactor::Call(call) = &factors[0] else {
        panic!("{:?}", factors[0])
    };
    let links: &Links = &call.links;
    let wire = &list[0]["_links"];
    for rel in [
        "user",
        "deactivate",
        "resend",
        "activate",
        "next",
        "poll",
        "x-odd",
    ] {
        assert!(links.get(rel).is_none(), "{rel}");
        let set = links.iter().find(|(r, _)| *r == rel).unwrap().1;
        assert_eq!(set, &LinkSet::Other(wire[rel].clone()), "{rel}");
    }
    assert!(links
        .self_link()
        .unwrap()
        .href()
        .ends_with("/clf1nz9JHJGHWRKMTLHP"));
    // An object with members of no link type is a link with unknown members.
    assert_eq!(links.get("x-custom").unwrap().extra["count"], 3);
    // A relation kept as sent shows in `Debug` like an unknown member: its
    // secret-named members redacted.
    let shown = format!("{factors:?}");
    assert!(!shown.contains("SECRETLINK"), "{shown}");
    assert!(shown.contains("Other("), "{shown}");
    assert_eq!(serde_json::to_value(&factors).unwrap(), list);

    // The same factor on its own, and from a `Value`.
    let single = GetFactor::new("00u1", "clf1")
        .parse_response(response(&list[0]))
        .unwrap()
        .value;
    assert_eq!(single, factors[0]);
    assert_eq!(
        serde_json::from_value::<UserFactor>(list[0].clone()).unwrap(),
        factors[0]
    );
}

// ---------------------------------------------------------------------------
// Point 16: members sent as `null` are written back as `null`
// ---------------------------------------------------------------------------

#[test]
fn nullable_members_of_the_spec_round_trip_as_null() {
    // `CallUserFactorProfile.phoneExtension` is `nullable: true`.
    let mut call = spec_body("enroll_factor--response--200--call");
    call["profile"]["phoneExtension"] = Value::Null;
    // Envelope members, `_links` and link members may come as null too.
    call["factorProfileId"] = Value::Null;
    call["_embedded"] = Value::Null;
    call["_links"]["self"]["hints"] = Value::Null;
    call["_links"]["user"]["name"] = Value::Null;
    let factor = GetFactor::new("00u1", "clf1")
        .parse_response(response(&call))
        .unwrap()
        .value;
    let UserFactor::Call(parsed) = &factor else {
        panic!("{factor:?}")
    };
    let profile = parsed.profile.as_ref().unwrap();
    assert_eq!(profile.phone_extension, None);
    assert_eq!(profile.phone_number.as_deref(), Some("+1-555-415-1337"));
    assert_eq!(serde_json::to_value(&factor).unwrap(), call);
    // Setting the member replaces the null.
    let mut edited = profile.clone();
    edited.phone_extension = Some("99".into());
    assert_eq!(
        serde_json::to_value(&edited).unwrap()["phoneExtension"],
        "99"
    );
}

#[test]
fn a_verify_result_with_null_members_round_trips() {
    // `factorMessage` is `nullable: true`, and so are `_embedded`'s members.
    let mut push = spec_body("verify_factor--response--201--push-challenge-with-number-matching");
    push["factorMessage"] = Value::Null;
    push["profile"] = Value::Null;
    push["_embedded"]["activation"] = Value::Null;
    let response201 = http::Response::builder()
        .status(201)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&push).unwrap())
        .unwrap();
    let outcome = VerifyFactor::new("00u1", "opf1")
        .parse_response(response201)
        .unwrap()
        .value;
    let VerifyOutcome::Waiting(waiting) = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(waiting.correct_answer(), Some(72));
    assert_eq!(serde_json::to_value(&outcome).unwrap(), push);
}

#[test]
fn a_waiting_push_activation_and_empty_or_null_links_round_trip() {
    let activation = json!({
        "factorResult": "WAITING", "expiresAt": "2015-04-01T15:57:32.000Z",
        "id": null, "status": null, "profile": null, "_embedded": null, "_links": {}
    });
    let outcome = ActivateFactor::new("00u1", "opf1")
        .parse_response(response(&activation))
        .unwrap()
        .value;
    assert!(
        matches!(outcome, ActivateOutcome::Waiting(_)),
        "{outcome:?}"
    );
    assert_eq!(serde_json::to_value(&outcome).unwrap(), activation);
    // Through serde, the object is read as a factor first and turns out not
    // to be one: its null members survive that too.
    let through_serde: ActivateOutcome = serde_json::from_value(activation.clone()).unwrap();
    assert_eq!(serde_json::to_value(&through_serde).unwrap(), activation);

    for links in [json!({}), Value::Null] {
        let mut sms = spec_body("enroll_factor--response--200--sms");
        sms["_links"] = links;
        let factor: UserFactor = serde_json::from_value(sms.clone()).unwrap();
        assert_eq!(serde_json::to_value(&factor).unwrap(), sms);
    }
}
