//! What Okta may send that the model does not expect, on the spec's own
//! examples: a member of another type in one element of a list (it fails that
//! element only), `_links` relations of any shape (kept as sent), and members
//! sent as `null` (written back as `null`). Each test checks the exact JSON
//! round trip as well.
//!
//! The property suites (`properties.rs`) generate the same shapes at random.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use okta_factors_core::model::{
    ActivateOutcome, FactorStatus, FactorType, LinkSet, Links, UserFactor, VerifyOutcome,
};
use okta_factors_core::operations::{
    ActivateFactor, GetFactor, ListFactors, ListSupportedFactors, ListSupportedSecurityQuestions,
    VerifyFactor,
};
use okta_factors_core::{Error, Operation};
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

/// The spec's call factor (`EnrollFactorCallResponse`) with `phoneExtension`
/// as the schema's own example renders it: `example: 1234`, a number, in a
/// member typed `string` (`CallUserFactorProfile`).
fn call_factor_with_numeric_extension() -> Value {
    let mut call = spec_body("enroll_factor--response--200--call");
    call["profile"]["phoneExtension"] = json!(1234);
    call
}

// ---------------------------------------------------------------------------
// Point 10: one malformed element fails that element only
// ---------------------------------------------------------------------------

#[test]
fn a_call_factor_with_the_schemas_numeric_extension_fails_only_itself() {
    let mut list = spec_body("list_factors--response--200--listfactorsresponse");
    let good = list.as_array().unwrap().len();
    list.as_array_mut()
        .unwrap()
        .insert(1, call_factor_with_numeric_extension());

    let factors = ListFactors::new("00u1")
        .parse_response(response(&list))
        .expect("one odd factor must not fail list_factors")
        .value;

    assert_eq!(factors.len(), good + 1);
    let types: Vec<FactorType> = factors.iter().map(UserFactor::factor_type).collect();
    assert_eq!(
        types,
        [
            FactorType::Question,
            FactorType::Call,
            FactorType::TokenSoftwareTotp,
            FactorType::Sms
        ]
    );
    assert!(matches!(factors[0], UserFactor::Question(_)));
    assert!(matches!(factors[2], UserFactor::TokenSoftwareTotp(_)));
    assert!(matches!(factors[3], UserFactor::Sms(_)));

    let call = &factors[1];
    let malformed = call.as_malformed().expect("the call factor is Malformed");
    assert_eq!(malformed.error().path, "profile.phoneExtension");
    assert!(
        malformed.error().message.contains("expected a string"),
        "{}",
        malformed.error().message
    );
    assert_eq!(malformed.raw(), &list[1]);
    // The members that did decode read as on any factor.
    assert_eq!(call.id(), Some("clf1nz9JHJGHWRKMTLHP"));
    assert_eq!(call.status(), Some(&FactorStatus::PendingActivation));
    assert_eq!(call.links().resend().len(), 1);
    assert_eq!(
        malformed.factor().profile.as_ref().unwrap()["phoneExtension"],
        1234
    );
    // Display names the path, Debug shows the factor.
    assert!(malformed.to_string().contains("profile.phoneExtension"));
    assert!(format!("{call:?}").contains("clf1nz9JHJGHWRKMTLHP"));

    // Nothing is lost: the list serializes back to exactly what came in.
    assert_eq!(serde_json::to_value(&factors).unwrap(), list);
}

#[test]
fn one_bad_factor_in_a_thousand_leaves_the_other_999_typed() {
    let sms = spec_body("enroll_factor--response--200--sms");
    let mut list: Vec<Value> = (0..1000)
        .map(|i| {
            let mut factor = sms.clone();
            factor["id"] = json!(format!("sms{i}"));
            factor
        })
        .collect();
    list[500] = call_factor_with_numeric_extension();
    let list = Value::Array(list);

    let factors = ListFactors::new("00u1")
        .parse_response(response(&list))
        .unwrap()
        .value;
    assert_eq!(factors.len(), 1000);
    for (i, factor) in factors.iter().enumerate() {
        if i == 500 {
            assert!(factor.as_malformed().is_some());
        } else {
            assert!(matches!(factor, UserFactor::Sms(_)), "[{i}] {factor:?}");
            assert_eq!(factor.id(), Some(format!("sms{i}").as_str()));
        }
    }
    assert_eq!(serde_json::to_value(&factors).unwrap(), list);
}

#[test]
fn elements_that_are_not_factors_are_kept_too() {
    let sms = spec_body("enroll_factor--response--200--sms");
    let list = json!([sms, null, 5, "x", [1], {"id": "nt1"}, {"factorType": 9}]);
    let factors = ListFactors::new("00u1")
        .parse_response(response(&list))
        .unwrap()
        .value;
    assert!(matches!(factors[0], UserFactor::Sms(_)));
    for (i, factor) in factors.iter().enumerate().skip(1) {
        let malformed = factor.as_malformed().unwrap_or_else(|| panic!("[{i}]"));
        assert_eq!(malformed.raw(), &list[i]);
        assert_eq!(factor.factor_type(), FactorType::Other(String::new()));
    }
    assert_eq!(factors[5].id(), Some("nt1"));
    assert_eq!(
        factors[5].as_malformed().unwrap().error().message,
        "missing field `factorType`"
    );
    assert_eq!(factors[6].extra()["factorType"], 9);
    assert_eq!(serde_json::to_value(&factors).unwrap(), list);
}

#[test]
fn a_body_that_is_not_a_list_is_still_a_decode_error() {
    for body in [&b"{\"id\":1}"[..], b"[{\"id\":\"a\"},", b"", b"[1] x"] {
        let response = http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(body)
            .unwrap();
        let err = ListFactors::new("00u1")
            .parse_response(response)
            .unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{body:?}: {err:?}");
    }
}

#[test]
fn a_single_factor_of_another_shape_is_still_a_decode_error_with_its_path() {
    let err = GetFactor::new("00u1", "clf1")
        .parse_response(response(&call_factor_with_numeric_extension()))
        .unwrap_err();
    let Error::Decode(decode) = err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path, "profile.phoneExtension");
}

#[test]
fn a_malformed_factor_shows_no_secret() {
    // A custom TOTP enrollment whose shared secret has another type, and one
    // whose secret is fine but another member is not.
    let bad_secret = json!({"id": "h1", "factorType": "token:hotp",
        "profile": {"credentialId": "a", "sharedSecret": {"v": "SECRETSECRET1"}}});
    let secret_beside = json!({"id": "h2", "factorType": "token:hotp",
        "profile": {"credentialId": 7, "sharedSecret": "SECRETSECRET2"}});
    let list = json!([bad_secret, secret_beside]);
    let factors = ListFactors::new("00u1")
        .parse_response(response(&list))
        .unwrap()
        .value;
    let shown = format!("{factors:?}");
    for factor in &factors {
        let malformed = factor.as_malformed().unwrap();
        let shown = format!("{shown} {malformed} {:?}", malformed.error());
        assert!(!shown.contains("SECRETSECRET"), "{shown}");
    }
    assert_eq!(
        factors[0].as_malformed().unwrap().error().path,
        "profile.sharedSecret"
    );
    assert_eq!(serde_json::to_value(&factors).unwrap(), list);
}

#[test]
fn a_malformed_catalog_entry_fails_only_itself() {
    let mut catalog = spec_body("list_supported_factors--response--200--list-of-supported-factors");
    catalog[3]["enrollment"] = json!(5);
    let entries = ListSupportedFactors::new("00u1")
        .parse_response(response(&catalog))
        .unwrap()
        .value;
    assert_eq!(entries.len(), 7);
    for (i, entry) in entries.iter().enumerate() {
        match entry {
            Err(malformed) if i == 3 => {
                assert_eq!(malformed.error().path, "enrollment");
                assert_eq!(malformed.raw(), &catalog[3]);
            }
            Ok(entry) => assert_eq!(serde_json::to_value(entry).unwrap(), catalog[i]),
            other => panic!("[{i}] {other:?}"),
        }
    }
    // `?` turns the odd entry into the caller's error.
    let first_error = || -> Result<(), Box<dyn std::error::Error>> {
        for entry in entries.clone() {
            entry?;
        }
        Ok(())
    };
    assert!(first_error()
        .unwrap_err()
        .to_string()
        .contains("enrollment"));
}

#[test]
fn a_malformed_security_question_fails_only_itself() {
    let mut questions = spec_body("list_supported_security_questions--response--200--example");
    questions[0]["questionText"] = json!({"en": "What is the food you least liked as a child?"});
    let parsed = ListSupportedSecurityQuestions::new("00u1")
        .parse_response(response(&questions))
        .unwrap()
        .value;
    assert_eq!(parsed.len(), 3);
    let odd = parsed[0].as_ref().unwrap_err();
    assert_eq!(odd.error().path, "questionText");
    assert_eq!(odd.raw(), &questions[0]);
    let keys: Vec<_> = parsed[1..]
        .iter()
        .map(|q| q.as_ref().unwrap().question.clone().unwrap())
        .collect();
    assert_eq!(keys, ["name_of_first_plush_toy", "first_award"]);
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
