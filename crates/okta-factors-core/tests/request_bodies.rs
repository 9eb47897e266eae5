//! Every request-body member either spec version allows can be set in typed
//! form, through the public API, and goes on the wire under the spec's name.
//!
//! The list of members is not written here: it is read from the request-body
//! schemas of both OpenAPI documents (`tests/fixtures/openapi/`, copied from
//! `../shared/spec` by `scripts/extract-spec-fixtures.py`). A member the spec
//! adds that the crate cannot set fails the test. Only the *how* (which setter
//! sets which member) is written here, and the check runs on the bytes of the
//! request that the operation builds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use okta_factors_core::model::{EnrollmentProfile, EnrollmentVerify, FactorEnrollment};
use okta_factors_core::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, ResendEnrollFactor, VerifyFactor,
    VerifyFactorRequest,
};
use okta_factors_core::Operation;
use serde_json::{json, Value};
use serde_yaml_ng::Value as Yaml;

/// The operations that take a body, by `operationId`.
const OPERATIONS: [&str; 4] = [
    "enrollFactor",
    "resendEnrollFactor",
    "activateFactor",
    "verifyFactor",
];

/// Members that the 3.0-era spec lists as writable but that only describe the
/// state Okta reports about a push enrollment (`PushUserFactor`): the current
/// spec dropped them from the factor, and no request carries them. Each one is
/// checked to still be in the 3.0 spec, so this list cannot go stale.
const RESPONSE_ONLY: [(&str, &str); 4] = [
    ("enrollFactor", "expiresAt"),
    ("enrollFactor", "factorResult"),
    ("resendEnrollFactor", "expiresAt"),
    ("resendEnrollFactor", "factorResult"),
];

fn load(name: &str) -> Yaml {
    let path = common::fixtures::fixture_dir("openapi").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn specs() -> [(&'static str, Yaml); 2] {
    [
        ("current", load("userfactor-current.yaml")),
        ("3.0", load("userfactor-v3.0.yaml")),
    ]
}

/// The schema a `$ref` names (`#/components/schemas/X`).
fn resolve<'a>(doc: &'a Yaml, reference: &str) -> &'a Yaml {
    let name = reference
        .strip_prefix("#/components/schemas/")
        .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
    &doc["components"]["schemas"][name]
}

fn is_read_only(schema: &Yaml) -> bool {
    schema.get("readOnly").and_then(Yaml::as_bool) == Some(true)
}

/// What a walk of one body schema found: member paths (e.g. `profile/email`)
/// that may be sent, and those marked read-only, each with the spec's type.
#[derive(Default)]
struct Members {
    writable: BTreeMap<String, Option<String>>,
    read_only: BTreeSet<String>,
}

/// Walks `schema` (at member path `path`): `$ref`s, `allOf`/`oneOf`/`anyOf`
/// branches, discriminator mappings and `properties`, recursively. A member
/// under a read-only schema is read-only.
fn walk(
    doc: &Yaml,
    schema: &Yaml,
    path: &str,
    read_only: bool,
    stack: &mut Vec<String>,
    out: &mut Members,
) {
    if let Some(reference) = schema.get("$ref").and_then(Yaml::as_str) {
        if stack.iter().any(|r| r == reference) {
            return; // UserFactor's discriminator maps back to subtypes that allOf it.
        }
        stack.push(reference.to_owned());
        let target = resolve(doc, reference);
        walk(
            doc,
            target,
            path,
            read_only || is_read_only(target),
            stack,
            out,
        );
        stack.pop();
        return;
    }
    let read_only = read_only || is_read_only(schema);
    for key in ["allOf", "oneOf", "anyOf"] {
        for branch in schema
            .get(key)
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
        {
            walk(doc, branch, path, read_only, stack, out);
        }
    }
    if let Some(mapping) = schema
        .get("discriminator")
        .and_then(|d| d.get("mapping"))
        .and_then(Yaml::as_mapping)
    {
        for (_, target) in mapping {
            let target = Yaml::Mapping([("$ref".into(), target.clone())].into_iter().collect());
            walk(doc, &target, path, read_only, stack, out);
        }
    }
    for (name, member) in schema
        .get("properties")
        .and_then(Yaml::as_mapping)
        .into_iter()
        .flatten()
    {
        let name = name.as_str().expect("a property name");
        let member_path = if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}/{name}")
        };
        let mut target = member;
        while let Some(reference) = target.get("$ref").and_then(Yaml::as_str) {
            target = resolve(doc, reference);
        }
        let member_read_only = read_only || is_read_only(member) || is_read_only(target);
        if member_read_only {
            out.read_only.insert(member_path.clone());
        } else {
            let ty = target.get("type").and_then(Yaml::as_str).map(str::to_owned);
            out.writable.entry(member_path.clone()).or_insert(ty);
        }
        walk(doc, member, &member_path, member_read_only, stack, out);
    }
}

/// The request-body schema of `operation_id`.
fn body_schema<'a>(doc: &'a Yaml, operation_id: &str) -> &'a Yaml {
    let paths = doc["paths"].as_mapping().expect("paths");
    for (_, item) in paths {
        for (_, op) in item.as_mapping().into_iter().flatten() {
            if op.get("operationId").and_then(Yaml::as_str) == Some(operation_id) {
                return &op["requestBody"]["content"]["application/json"]["schema"];
            }
        }
    }
    panic!("no operation {operation_id}")
}

fn members(doc: &Yaml, operation_id: &str) -> Members {
    let mut out = Members::default();
    walk(
        doc,
        body_schema(doc, operation_id),
        "",
        false,
        &mut Vec::new(),
        &mut out,
    );
    out
}

/// The members a body must be able to carry: writable in the current spec, or
/// writable in the 3.0 spec and not marked read-only by the current one (which
/// corrected the older marks, e.g. `status`, `questionText`), less
/// [`RESPONSE_ONLY`]. Each with the spec's type, when it gives one.
fn required_members() -> BTreeMap<(&'static str, String), Option<String>> {
    let [(_, current), (_, older)] = specs();
    let mut required = BTreeMap::new();
    for op in OPERATIONS {
        let now = members(&current, op);
        let then = members(&older, op);
        for (path, ty) in &now.writable {
            required.insert((op, path.clone()), ty.clone());
        }
        for (path, ty) in then.writable {
            if !now.read_only.contains(&path) && !RESPONSE_ONLY.contains(&(op, path.as_str())) {
                required.entry((op, path)).or_insert(ty);
            }
        }
    }
    required
}

// ----- How each member is set through the public API -----

/// The value a member is set to: distinct per member, so a member written
/// under another name cannot pass.
fn text(member: &str) -> String {
    format!("value-of-{member}")
}

fn profile_with(member: &str) -> Option<EnrollmentProfile> {
    let p = EnrollmentProfile::default();
    let v = text(member);
    Some(match member {
        "phoneNumber" => p.with_phone_number(v),
        "phoneExtension" => p.with_phone_extension(v),
        "email" => p.with_email(v),
        "question" => p.with_question(v),
        "answer" => p.with_answer(v),
        "credentialId" => p.with_credential_id(v),
        "sharedSecret" => p.with_shared_secret(v),
        "deviceToken" => p.with_device_token(v),
        "deviceType" => p.with_device_type(v),
        "name" => p.with_name(v),
        "platform" => p.with_platform(v),
        "version" => p.with_version(v),
        _ => return None,
    })
}

fn enrollment_verify_with(member: &str) -> Option<EnrollmentVerify> {
    let b = EnrollmentVerify::default();
    let v = text(member);
    Some(match member {
        "passCode" => b.with_pass_code(v),
        "nextPassCode" => b.with_next_pass_code(v),
        "answer" => b.with_answer(v),
        "activationToken" => b.with_activation_token(v),
        "stateToken" => b.with_state_token(v),
        "clientData" => b.with_client_data(v),
        "registrationData" => b.with_registration_data(v),
        "attestation" => b.with_attestation(v),
        "authenticatorData" => b.with_authenticator_data(v),
        "signatureData" => b.with_signature_data(v),
        _ => return None,
    })
}

/// An enroll/resend body with `path` set, and the value expected there.
fn enrollment_with(path: &str) -> Option<(FactorEnrollment, Value)> {
    let body = FactorEnrollment::default();
    Some(match path.split_once('/') {
        None => match path {
            "factorType" => (body.with_factor_type("token:hotp"), json!("token:hotp")),
            "provider" => (body.with_provider("CUSTOM"), json!("CUSTOM")),
            "factorProfileId" => (body.with_factor_profile_id(text(path)), json!(text(path))),
            "profile" => (body.with_profile(EnrollmentProfile::default()), json!({})),
            "verify" => (body.with_verify(EnrollmentVerify::default()), json!({})),
            _ => return None,
        },
        Some(("profile", member)) => (
            body.with_profile(profile_with(member)?),
            json!(text(member)),
        ),
        Some(("verify", member)) => (
            body.with_verify(enrollment_verify_with(member)?),
            json!(text(member)),
        ),
        Some(_) => return None,
    })
}

fn activate_with(member: &str) -> Option<(ActivateFactorRequest, Value)> {
    let b = ActivateFactorRequest::default();
    let v = text(member);
    Some(match member {
        "passCode" => (b.with_pass_code(v.clone()), json!(v)),
        "attestation" => (b.with_attestation(v.clone()), json!(v)),
        "clientData" => (b.with_client_data(v.clone()), json!(v)),
        "registrationData" => (b.with_registration_data(v.clone()), json!(v)),
        "stateToken" => (b.with_state_token(v.clone()), json!(v)),
        "useNumberMatchingChallenge" => (b.with_use_number_matching_challenge(true), json!(true)),
        _ => return None,
    })
}

fn verify_with(member: &str) -> Option<(VerifyFactorRequest, Value)> {
    let b = VerifyFactorRequest::default();
    let v = text(member);
    Some(match member {
        "passCode" => (b.with_pass_code(v.clone()), json!(v)),
        "answer" => (b.with_answer(v.clone()), json!(v)),
        "nextPassCode" => (b.with_next_pass_code(v.clone()), json!(v)),
        "activationToken" => (b.with_activation_token(v.clone()), json!(v)),
        "clientData" => (b.with_client_data(v.clone()), json!(v)),
        "signatureData" => (b.with_signature_data(v.clone()), json!(v)),
        "authenticatorData" => (b.with_authenticator_data(v.clone()), json!(v)),
        "attestation" => (b.with_attestation(v.clone()), json!(v)),
        "registrationData" => (b.with_registration_data(v.clone()), json!(v)),
        "stateToken" => (b.with_state_token(v.clone()), json!(v)),
        "useNumberMatchingChallenge" => (b.with_use_number_matching_challenge(true), json!(true)),
        _ => return None,
    })
}

/// The JSON body of the request `operation` builds.
fn sent_body<O: Operation>(operation: &O) -> Value {
    let org = common::fixtures::org().unwrap();
    let credentials = common::fixtures::credentials().unwrap();
    let request = operation.build_request(&org, &credentials).unwrap();
    serde_json::from_slice(request.body()).unwrap()
}

/// The body sent with `path` set (through the operation), and the value
/// expected at `path`.
fn sent_with(op: &str, path: &str) -> Option<(Value, Value)> {
    Some(match op {
        "enrollFactor" => {
            let (body, expected) = enrollment_with(path)?;
            (sent_body(&EnrollFactor::new("00u1", body)), expected)
        }
        "resendEnrollFactor" => {
            let (body, expected) = enrollment_with(path)?;
            (
                sent_body(&ResendEnrollFactor::new("00u1", "mbl1", body)),
                expected,
            )
        }
        "activateFactor" => {
            let (body, expected) = activate_with(path)?;
            (
                sent_body(&ActivateFactor::new("00u1", "ostf1").body(body)),
                expected,
            )
        }
        "verifyFactor" => {
            let (body, expected) = verify_with(path)?;
            (
                sent_body(&VerifyFactor::new("00u1", "ostf1").body(body)),
                expected,
            )
        }
        _ => return None,
    })
}

#[test]
fn every_request_body_member_of_both_specs_can_be_set_in_typed_form() {
    let required = required_members();
    // The walk found the members it must (a broken walk must not pass empty).
    for probe in [
        ("activateFactor", "useNumberMatchingChallenge"),
        ("enrollFactor", "verify/attestation"),
        ("enrollFactor", "profile/phoneExtension"),
        ("verifyFactor", "authenticatorData"),
    ] {
        assert!(
            required.contains_key(&(probe.0, probe.1.to_owned())),
            "the spec walk lost {probe:?}"
        );
    }
    let mut failures = Vec::new();
    for ((op, path), spec_type) in &required {
        let Some((body, expected)) = sent_with(op, path) else {
            failures.push(format!("{op}: no typed way to set `{path}`"));
            continue;
        };
        let pointer = format!("/{path}");
        match body.pointer(&pointer) {
            Some(found) if *found == expected => {}
            found => failures.push(format!(
                "{op}: `{path}` set to {expected} but the body has {found:?}: {body}"
            )),
        }
        // Where the spec gives a JSON type, the typed field sends that type
        // (passcodes are strings on the wire; the current spec's Symantec
        // `nextPassCode: integer` is the one exception, and 3.0 says string).
        let sent = body.pointer(&pointer);
        let matches = match spec_type.as_deref() {
            Some("string") => sent.is_some_and(Value::is_string),
            Some("boolean") => sent.is_some_and(Value::is_boolean),
            Some("object") => sent.is_some_and(Value::is_object),
            Some("integer") => path.ends_with("nextPassCode"),
            _ => true,
        };
        if !matches {
            failures.push(format!(
                "{op}: `{path}` is not sent as the spec's {spec_type:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} members:\n{}",
        failures.len(),
        required.len(),
        failures.join("\n")
    );
}

#[test]
fn the_response_only_exceptions_are_still_in_the_older_spec() {
    let [(_, current), (_, older)] = specs();
    for (op, path) in RESPONSE_ONLY {
        assert!(
            members(&older, op).writable.contains_key(path),
            "{op} `{path}` is no longer in the 3.0 spec: drop it from RESPONSE_ONLY"
        );
        let now = members(&current, op);
        assert!(
            !now.writable.contains_key(path),
            "{op} `{path}` is writable in the current spec: it must be settable"
        );
    }
}

/// The members of each titled `oneOf` branch of a body schema.
fn branches(doc: &Yaml, operation_id: &str) -> BTreeMap<String, BTreeSet<String>> {
    let schema = body_schema(doc, operation_id);
    let schema = match schema.get("$ref").and_then(Yaml::as_str) {
        Some(reference) => resolve(doc, reference),
        None => schema,
    };
    schema["oneOf"]
        .as_sequence()
        .expect("a oneOf body")
        .iter()
        .map(|branch| {
            let title = branch["title"]
                .as_str()
                .expect("a titled branch")
                .to_owned();
            let names = branch
                .get("properties")
                .and_then(Yaml::as_mapping)
                .into_iter()
                .flatten()
                .map(|(name, _)| name.as_str().unwrap().to_owned())
                .collect();
            (title, names)
        })
        .collect()
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn each_body_branch_of_the_current_spec_has_a_constructor() {
    let [(_, current), _] = specs();
    let activate = |title: &str| -> Option<ActivateFactorRequest> {
        Some(match title {
            "call" | "email" | "sms" | "token:software:totp" => {
                ActivateFactorRequest::pass_code("123456")
            }
            "push" => ActivateFactorRequest::number_matching(),
            "u2f" => ActivateFactorRequest::u2f("registration", "client"),
            "webauthn" => ActivateFactorRequest::webauthn("attestation", "client"),
            _ => return None,
        })
    };
    for (title, members) in branches(&current, "activateFactor") {
        let body =
            activate(&title).unwrap_or_else(|| panic!("no constructor for activate {title}"));
        let sent = sent_body(&ActivateFactor::new("00u1", "f1").body(body));
        assert_eq!(keys(&sent), members, "activate {title}");
    }
    let verify = |title: &str| -> Option<VerifyFactorRequest> {
        Some(match title {
            "call"
            | "sms"
            | "email"
            | "token:software:totp"
            | "token:hotp"
            | "token:hardware"
            | "token" => VerifyFactorRequest::pass_code("123456"),
            "push" => VerifyFactorRequest::number_matching(),
            "question" => VerifyFactorRequest::answer("pizza"),
            "u2f" => VerifyFactorRequest::u2f("client", "signature"),
            "webauthn" => VerifyFactorRequest::webauthn("client", "authenticator", "signature"),
            _ => return None,
        })
    };
    for (title, members) in branches(&current, "verifyFactor") {
        let body = verify(&title).unwrap_or_else(|| panic!("no constructor for verify {title}"));
        let sent = sent_body(&VerifyFactor::new("00u1", "f1").body(body));
        assert_eq!(keys(&sent), members, "verify {title}");
    }
}

#[test]
fn the_u2f_and_webauthn_verify_constructors_put_each_argument_in_its_member() {
    assert_eq!(
        serde_json::to_value(VerifyFactorRequest::u2f("c", "s")).unwrap(),
        json!({"clientData": "c", "signatureData": "s"})
    );
    assert_eq!(
        serde_json::to_value(VerifyFactorRequest::webauthn("c", "a", "s")).unwrap(),
        json!({"clientData": "c", "authenticatorData": "a", "signatureData": "s"})
    );
    assert_eq!(
        serde_json::to_value(ActivateFactorRequest::number_matching()).unwrap(),
        json!({"useNumberMatchingChallenge": true})
    );
}
