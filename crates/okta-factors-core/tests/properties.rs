//! Property tests (proptest) for IDs, the data model, rate-limit headers and
//! the request parameter space.
//!
//! Each suite runs a modest number of cases by default so that the whole file
//! takes a few seconds in a debug build. Run more with the standard variable:
//!
//! ```text
//! PROPTEST_CASES=10000 cargo test -p okta-factors-core --test properties
//! ```
//!
//! (`PROPTEST_CASES`, when set, replaces every suite's default case count; see
//! [`config`].) Failing cases are persisted to
//! `crates/okta-factors-core/proptest-regressions/properties.txt` (see
//! [`REGRESSIONS`]); commit that file so the failure is replayed first from then on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use http::{HeaderMap, HeaderName, HeaderValue};
use okta_factors_core::model::{
    EnrollmentRequirement, FactorEnrollment, FactorProvider, FactorResult, FactorStatus,
    FactorType, Malformed, SecurityQuestion, SupportedFactor, UserFactor, VerifyOutcome,
};
use okta_factors_core::operations::{
    ActivateFactor, EnrollFactor, GetFactor, GetFactorTransactionStatus, ListFactors,
    ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor, UnenrollFactor,
    VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::{
    Credentials, Error, ErrorCause, InputError, OktaError, Operation, OrgUrl, RateLimit,
    ResponseMeta, Secret,
};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{json, Map, Value};

/// The `User-Agent` of the crate's requests: its name and version.
const CRATE_USER_AGENT: &str = concat!("okta-factors-rust/", env!("CARGO_PKG_VERSION"));

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

/// Where failing cases are saved (see `common::proptest_config`).
const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/proptest-regressions/properties.txt"
);

/// `default_cases` cases, unless `PROPTEST_CASES` says otherwise.
fn config(default_cases: u32) -> ProptestConfig {
    common::proptest_config::config(REGRESSIONS, default_cases)
}

fn org() -> OrgUrl {
    OrgUrl::parse("https://dev-123456.okta.com").unwrap()
}

fn creds() -> Credentials {
    Credentials::api_token("00abcDEF-token").unwrap()
}

// ---------------------------------------------------------------------------
// Tiny decoders (the crate's percent-encoding dependency is not a dev-dependency)
// ---------------------------------------------------------------------------

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes; `None` if the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Whether `segment` is canonical percent-encoding: unreserved characters and
/// `%XX` (upper-case hex) only.
fn is_canonical_segment(segment: &str) -> bool {
    let bytes = segment.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => i += 1,
            b'%' if i + 2 < bytes.len()
                && matches!(bytes[i + 1], b'0'..=b'9' | b'A'..=b'F')
                && matches!(bytes[i + 2], b'0'..=b'9' | b'A'..=b'F') =>
            {
                i += 3
            }
            _ => return false,
        }
    }
    true
}

/// The oracle of ID encoding (RFC 3986 §2.3, §2.1): an ID is one path
/// segment whose unreserved characters stay as they are and whose every other
/// byte of its UTF-8 is `%XX`, upper-case hex.
fn oracle_segment(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes `application/x-www-form-urlencoded` text into pairs, in order.
fn form_decode(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_decode(&k.replace('+', " ")).expect("query name is UTF-8");
            let v = percent_decode(&v.replace('+', " ")).expect("query value is UTF-8");
            (k, v)
        })
        .collect()
}

#[test]
fn tiny_decoders_work() {
    assert_eq!(
        percent_decode("a%2Fb%25%E2%82%AC").as_deref(),
        Some("a/b%€")
    );
    assert_eq!(percent_decode("%").as_deref(), Some("%"));
    assert_eq!(percent_decode("%4").as_deref(), Some("%4"));
    assert_eq!(percent_decode("%41").as_deref(), Some("A"));
    assert!(is_canonical_segment("a-b.c_d~%2F"));
    assert!(!is_canonical_segment("a/b"));
    assert!(!is_canonical_segment("%2f"));
    assert!(!is_canonical_segment("%2"));
    assert_eq!(
        form_decode("a=b+c&d=%26%3D&e="),
        vec![
            ("a".into(), "b c".into()),
            ("d".into(), "&=".into()),
            ("e".into(), String::new())
        ]
    );
}

// ---------------------------------------------------------------------------
// a. IDs
// ---------------------------------------------------------------------------

/// Any string, with the interesting ones (`""`, `.`, `..`, separators,
/// controls, escapes, non-ASCII) well represented.
fn id() -> BoxedStrategy<String> {
    prop_oneof![
        1 => Just(String::new()),
        1 => Just(".".to_owned()),
        1 => Just("..".to_owned()),
        2 => "[./%?#&=+ ~_\\-]{1,4}",
        3 => "[a-zA-Z0-9./%?#;:@!$&'()*+,= \\t\\r\\n\\x00\\x7f\u{e9}\u{20ac}\u{1f600}-]{1,12}",
        3 => vec(any::<char>(), 0..10).prop_map(String::from_iter),
        2 => "[a-zA-Z0-9]{20}",
    ]
    .boxed()
}

fn is_rejected_id(id: &str) -> bool {
    matches!(id, "" | "." | "..")
}

/// Checks `build_request` of `op` against the ID oracle; `ids` are the values of
/// the template's `{…}` parameters, in order.
fn check_ids<O: Operation>(op: &O, ids: &[&str]) -> Result<(), TestCaseError> {
    let template = O::PATH_TEMPLATE;
    let params: Vec<&str> = template
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect();
    prop_assert_eq!(params.len(), ids.len(), "{}: test bug", O::NAME);
    let first_bad = params
        .iter()
        .zip(ids)
        .find(|(_, id)| is_rejected_id(id))
        .map(|(name, _)| *name);

    match (op.build_request(&org(), &creds()), first_bad) {
        (Err(Error::Input(InputError::Id { field, .. })), Some(name)) => {
            prop_assert_eq!(field, name, "{}", O::NAME);
        }
        (Err(e), expected) => {
            return Err(TestCaseError::fail(format!(
                "{}: unexpected error {e:?} (expected rejection of {expected:?})",
                O::NAME
            )))
        }
        (Ok(request), Some(name)) => {
            return Err(TestCaseError::fail(format!(
                "{}: {name} should have been rejected, got {}",
                O::NAME,
                request.uri()
            )))
        }
        (Ok(request), None) => {
            let uri = request.uri();
            prop_assert_eq!(uri.query(), None, "{}: {}", O::NAME, uri);
            prop_assert!(uri.to_string().starts_with("https://dev-123456.okta.com/"));
            let got: Vec<&str> = uri.path().split('/').collect();
            let want: Vec<&str> = template.split('/').collect();
            prop_assert_eq!(got.len(), want.len(), "{}: {}", O::NAME, uri);
            let mut ids = ids.iter();
            for (segment, template_segment) in got.iter().zip(&want) {
                match template_segment
                    .strip_prefix('{')
                    .and_then(|s| s.strip_suffix('}'))
                {
                    Some(name) => {
                        let id = ids.next().unwrap();
                        prop_assert!(is_canonical_segment(segment), "{segment:?}");
                        let decoded = percent_decode(segment);
                        prop_assert_eq!(decoded.as_deref(), Some(*id));
                        prop_assert_eq!(oracle_segment(id), *segment, "{} {}", O::NAME, name);
                    }
                    None => prop_assert_eq!(segment, template_segment),
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn ids_encode_as_exactly_one_segment(user in id(), factor in id(), transaction in id()) {
        let (u, f, t) = (user.as_str(), factor.as_str(), transaction.as_str());
        check_ids(&GetFactorTransactionStatus::new(u, f, t), &[u, f, t])?;
        check_ids(&ListFactors::new(u), &[u])?;
        check_ids(&GetFactor::new(u, f), &[u, f])?;
        check_ids(&UnenrollFactor::new(u, f), &[u, f])?;
        check_ids(&ActivateFactor::new(u, f), &[u, f])?;
        check_ids(&VerifyFactor::new(u, f), &[u, f])?;
        check_ids(&EnrollFactor::new(u, FactorEnrollment::push()), &[u])?;
        check_ids(&ResendEnrollFactor::new(u, f, FactorEnrollment::sms("+1")), &[u, f])?;
        check_ids(&ListSupportedFactors::new(u), &[u])?;
        check_ids(&ListSupportedSecurityQuestions::new(u), &[u])?;
    }

    #[test]
    fn a_factor_id_is_exactly_its_segment_or_rejected(value in id()) {
        match GetFactor::new("00u1", value.as_str()).build_request(&org(), &creds()) {
            Err(Error::Input(InputError::Id { field, .. })) => {
                prop_assert!(is_rejected_id(&value));
                prop_assert_eq!(field, "factorId");
            }
            Err(e) => return Err(TestCaseError::fail(format!("unexpected {e:?}"))),
            Ok(request) => {
                prop_assert!(!is_rejected_id(&value));
                let path = request.uri().path();
                let encoded = path
                    .strip_prefix("/api/v1/users/00u1/factors/")
                    .ok_or_else(|| TestCaseError::fail(format!("path {path}")))?;
                prop_assert!(is_canonical_segment(encoded), "{encoded:?}");
                prop_assert_eq!(encoded, oracle_segment(&value));
                prop_assert_eq!(percent_decode(encoded), Some(value));
            }
        }
    }
}

// ---------------------------------------------------------------------------
// b. Model strategies
// ---------------------------------------------------------------------------

/// Every member name of a factor that the model reads (unknown-member keys
/// must avoid these).
const FACTOR_MEMBERS: &[&str] = &[
    "id",
    "factorType",
    "provider",
    "vendorName",
    "status",
    "created",
    "lastUpdated",
    "profile",
    "factorProfileId",
    "_links",
    "_embedded",
];

fn text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 +@.:/_-]{0,16}",
        1 => "\\PC{0,8}",
        1 => vec(any::<char>(), 0..6).prop_map(String::from_iter),
    ]
    .boxed()
}

fn key() -> BoxedStrategy<String> {
    prop_oneof![3 => "[a-zA-Z_][a-zA-Z0-9_]{0,10}", 1 => "\\PC{0,6}"].boxed()
}

fn string() -> BoxedStrategy<Value> {
    text().prop_map(Value::String).boxed()
}

fn uint(max: u64) -> BoxedStrategy<Value> {
    prop_oneof![0..=max.min(100), Just(max), 0..=max]
        .prop_map(Value::from)
        .boxed()
}

fn boolean() -> BoxedStrategy<Value> {
    any::<bool>().prop_map(Value::Bool).boxed()
}

fn array_of(item: BoxedStrategy<Value>, max: usize) -> BoxedStrategy<Value> {
    vec(item, 0..=max).prop_map(Value::Array).boxed()
}

/// Any JSON value (nulls included), small.
fn json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(key(), inner, 0..4).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A known wire string of an open enum, or any other string.
fn open_str(known: Vec<&'static str>) -> BoxedStrategy<String> {
    prop_oneof![
        3 => select(known).prop_map(str::to_owned),
        1 => "[A-Z_]{1,12}",
        1 => text(),
    ]
    .boxed()
}

fn open_value(known: Vec<&'static str>) -> BoxedStrategy<Value> {
    open_str(known).prop_map(Value::String).boxed()
}

/// The wire values of each open enum, as Okta documents them: the enums of
/// both spec versions (`tests/fixtures/openapi/`), 3.0's `hotp` and
/// `CANCELLED` included, and `CANCELED`, the other spelling Okta sends. The
/// model must know exactly these.
const FACTOR_STATUSES: &[&str] = &[
    "ACTIVE",
    "DISABLED",
    "ENROLLED",
    "EXPIRED",
    "INACTIVE",
    "NOT_SETUP",
    "PENDING_ACTIVATION",
];
const FACTOR_PROVIDERS: &[&str] = &[
    "CUSTOM", "DUO", "FIDO", "GOOGLE", "OKTA", "RSA", "SYMANTEC", "YUBICO",
];
const FACTOR_RESULTS: &[&str] = &[
    "CHALLENGE",
    "ERROR",
    "EXPIRED",
    "FAILED",
    "PASSCODE_REPLAYED",
    "REJECTED",
    "SUCCESS",
    "TIMEOUT",
    "TIME_WINDOW_EXCEEDED",
    "WAITING",
    "CANCELLED",
    "CANCELED",
];
const FACTOR_TYPES: &[&str] = &[
    "call",
    "email",
    "push",
    "question",
    "signed_nonce",
    "sms",
    "token",
    "token:hardware",
    "token:hotp",
    "token:software:totp",
    "u2f",
    "web",
    "webauthn",
    "hotp",
];
const ENROLLMENT_REQUIREMENTS: &[&str] = &["OPTIONAL", "REQUIRED"];

fn statuses() -> Vec<&'static str> {
    FACTOR_STATUSES.to_vec()
}
fn providers() -> Vec<&'static str> {
    FACTOR_PROVIDERS.to_vec()
}
fn results() -> Vec<&'static str> {
    FACTOR_RESULTS.to_vec()
}
fn types() -> Vec<&'static str> {
    FACTOR_TYPES.to_vec()
}
fn requirements() -> Vec<&'static str> {
    ENROLLMENT_REQUIREMENTS.to_vec()
}

/// Unknown members: keys outside `reserved`, any values (nulls included: the
/// model keeps them verbatim).
fn extra(reserved: Vec<&'static str>) -> BoxedStrategy<Map<String, Value>> {
    btree_map(
        key().prop_filter("known member", move |k| !reserved.contains(&k.as_str())),
        json(),
        0..3,
    )
    .prop_map(|m| m.into_iter().collect())
    .boxed()
}

/// An object whose `fields` are each absent, present or `null` (the model keeps
/// a `null` and writes it back), plus unknown members. `fields` list every
/// member of the schema, as the spec documents it (the model reads each one
/// typed): the test's own list, so unknown members avoid these names.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    object_avoiding(fields, &[])
}

/// [`object`] whose unknown members also avoid `reserved` (members the caller
/// sets itself).
fn object_avoiding(
    fields: Vec<(&'static str, BoxedStrategy<Value>)>,
    reserved: &'static [&'static str],
) -> BoxedStrategy<Value> {
    let names: Vec<&'static str> = fields.iter().map(|(n, _)| *n).collect();
    let avoided: Vec<&'static str> = names.iter().chain(reserved).copied().collect();
    let values: Vec<BoxedStrategy<Option<Value>>> = fields
        .into_iter()
        .map(|(_, s)| {
            prop_oneof![
                3 => Just(None),
                6 => s.prop_map(Some),
                1 => Just(Some(Value::Null)),
            ]
            .boxed()
        })
        .collect();
    (values, extra(avoided))
        .prop_map(move |(values, extra)| {
            let mut map = Map::new();
            for (name, value) in names.iter().zip(values) {
                if let Some(value) = value {
                    map.insert((*name).to_owned(), value);
                }
            }
            map.extend(extra);
            Value::Object(map)
        })
        .boxed()
}

fn link() -> BoxedStrategy<Value> {
    let hints = object(vec![("allow", array_of(string(), 3))]);
    object(vec![
        ("href", string()),
        ("name", string()),
        ("type", string()),
        ("templated", boolean()),
        ("hints", hints),
    ])
}

/// `_links`: each relation an object or an array of link objects, or now and
/// then any other JSON (`null`, a string, an array of other things, an object
/// whose link members have other types), which the model keeps as sent.
fn links(min: usize) -> BoxedStrategy<Value> {
    let rel = prop_oneof![
        2 => select(vec![
            "self", "poll", "cancel", "verify", "activate", "deactivate", "qrcode",
            "resend", "send", "enroll", "questions", "user", "factor", "next",
        ])
        .prop_map(str::to_owned),
        1 => key(),
    ];
    let set = prop_oneof![
        4 => link(),
        4 => array_of(link(), 3),
        1 => json(),
        1 => array_of(prop_oneof![link(), json()].boxed(), 3),
        1 => odd_link(),
    ];
    btree_map(rel, set, min..4)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
        .boxed()
}

/// A link object with one member of another type than the model's.
fn odd_link() -> BoxedStrategy<Value> {
    (
        link(),
        select(vec!["href", "name", "type", "templated", "hints"]),
        odd_value(),
    )
        .prop_map(|(mut link, member, value)| {
            let value = match (member, value) {
                // A string is the right type for these three: use another.
                ("href" | "name" | "type", Value::String(_)) => json!(7),
                ("templated", Value::Bool(_)) => json!("yes"),
                (_, value) => value,
            };
            link.as_object_mut()
                .unwrap()
                .insert(member.to_owned(), value);
            link
        })
        .boxed()
}

/// A value that is not `null`, of any JSON type.
fn odd_value() -> BoxedStrategy<Value> {
    prop_oneof![
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text().prop_map(Value::String),
        vec(json(), 0..3).prop_map(Value::Array),
        btree_map(key(), json(), 0..3).prop_map(|m| Value::Object(m.into_iter().collect())),
    ]
    .boxed()
}

fn sms_profile() -> BoxedStrategy<Value> {
    object(vec![("phoneNumber", string())])
}

fn activation() -> BoxedStrategy<Value> {
    object(vec![
        ("sharedSecret", string()),
        ("timeStep", uint(u64::MAX)),
        ("keyLength", uint(u32::MAX.into())),
        ("encoding", string()),
        ("expiresAt", string()),
        ("factorResult", open_value(results())),
        ("version", string()),
        ("nonce", string()),
        ("timeoutSeconds", uint(u64::MAX)),
        ("challenge", string()),
        ("attestation", string()),
        ("authenticatorSelection", json()),
        ("excludeCredentials", array_of(json(), 2)),
        ("pubKeyCredParams", array_of(json(), 2)),
        ("rp", json()),
        ("user", json()),
        ("_links", links(0)),
    ])
}

fn challenge() -> BoxedStrategy<Value> {
    object(vec![
        ("correctAnswer", uint(u32::MAX.into())),
        ("nonce", string()),
        ("timeoutSeconds", uint(u64::MAX)),
        ("challenge", string()),
        ("extensions", json()),
    ])
}

fn embedded() -> BoxedStrategy<Value> {
    let phone = object(vec![
        ("id", string()),
        ("profile", sms_profile()),
        ("status", open_value(statuses())),
    ]);
    object(vec![
        ("activation", activation()),
        ("challenge", challenge()),
        ("phones", array_of(phone, 2)),
        ("_links", links(0)),
    ])
}

/// A profile appropriate to `factor_type` (any non-null JSON for unknown types).
fn profile_for(factor_type: &str) -> BoxedStrategy<Value> {
    let s = string;
    match factor_type {
        "call" => object(vec![("phoneNumber", s()), ("phoneExtension", s())]),
        "email" => object(vec![("email", s())]),
        "push" => object(vec![
            ("credentialId", s()),
            ("deviceToken", s()),
            ("deviceType", s()),
            ("name", s()),
            ("platform", s()),
            ("version", s()),
            ("keys", array_of(json(), 2)),
        ]),
        "question" => object(vec![
            ("question", s()),
            ("questionText", s()),
            ("answer", s()),
        ]),
        "signed_nonce" => {
            let key = object(vec![
                ("kty", s()),
                ("use", s()),
                ("kid", s()),
                ("jwkType", s()),
                ("crv", s()),
                ("x", s()),
                ("y", s()),
                ("e", s()),
                ("n", s()),
                ("x5c", array_of(s(), 2)),
            ]);
            object(vec![
                ("credentialId", s()),
                ("deviceType", s()),
                ("name", s()),
                ("platform", s()),
                ("version", s()),
                ("keys", array_of(key, 2)),
            ])
        }
        "sms" => sms_profile(),
        "token" | "token:hardware" | "token:software:totp" => object(vec![("credentialId", s())]),
        "token:hotp" | "hotp" => object(vec![("credentialId", s()), ("sharedSecret", s())]),
        "u2f" => object(vec![("credentialId", s()), ("version", s())]),
        "web" => object(vec![("credentialId", s())]),
        "webauthn" => object(vec![("credentialId", s()), ("authenticatorName", s())]),
        _ => json(),
    }
}

/// A factor of the given type: random envelope members (each may be `null`), a
/// type-appropriate profile, `_links` (possibly empty, relations of any
/// shape), `_embedded`, unknown members.
fn factor_of(factor_type: BoxedStrategy<String>) -> BoxedStrategy<Value> {
    factor_type
        .prop_flat_map(|t| {
            let envelope = object_avoiding(
                vec![
                    ("id", string()),
                    ("provider", open_value(providers())),
                    ("vendorName", string()),
                    ("status", open_value(statuses())),
                    ("created", string()),
                    ("lastUpdated", string()),
                    ("profile", profile_for(&t)),
                    ("factorProfileId", string()),
                    ("_links", links(0)),
                    ("_embedded", embedded()),
                ],
                FACTOR_MEMBERS,
            );
            (Just(t), envelope)
        })
        .prop_map(|(t, mut factor)| {
            factor
                .as_object_mut()
                .unwrap()
                .insert("factorType".to_owned(), Value::String(t));
            factor
        })
        .boxed()
}

/// Known factor types, the 3.0-era `hotp` included (it must keep its spelling).
fn known_type() -> BoxedStrategy<String> {
    select(types()).prop_map(str::to_owned).boxed()
}

fn unknown_type() -> BoxedStrategy<String> {
    "[a-z][a-z0-9:_]{0,14}"
        .prop_filter("known type", |t| !FactorType::from(t.as_str()).is_known())
        .boxed()
}

fn known_factor() -> BoxedStrategy<Value> {
    factor_of(known_type())
}

fn unknown_factor() -> BoxedStrategy<Value> {
    factor_of(unknown_type())
}

fn verify_response() -> BoxedStrategy<Value> {
    let profile = btree_map(key(), prop_oneof![string(), Just(Value::Null)], 0..4)
        .prop_map(|m| Value::Object(m.into_iter().collect()))
        .boxed();
    object(vec![
        ("factorResult", open_value(results())),
        ("expiresAt", string()),
        ("factorMessage", string()),
        ("factorResultMessage", string()),
        ("profile", profile),
        ("_links", links(0)),
        ("_embedded", embedded()),
    ])
}

fn supported_factor() -> BoxedStrategy<Value> {
    object(vec![
        ("factorType", open_value(types())),
        ("provider", open_value(providers())),
        ("vendorName", string()),
        ("status", open_value(statuses())),
        ("enrollment", open_value(requirements())),
        ("_links", links(0)),
        ("_embedded", embedded()),
    ])
}

fn security_question() -> BoxedStrategy<Value> {
    object(vec![("question", string()), ("questionText", string())])
}

fn json_response(body: &Value, status: u16) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).unwrap())
        .unwrap()
}

/// Parses `json` as `T`, checks it serializes back to exactly `json` and that
/// reparsing gives an equal value.
fn round_trip<T>(json: &Value) -> Result<T, TestCaseError>
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let parsed: T = serde_json::from_value(json.clone())
        .map_err(|e| TestCaseError::fail(format!("does not parse: {e}\n{json}")))?;
    let back = serde_json::to_value(&parsed).unwrap();
    prop_assert_eq!(&back, json);
    let reparsed: T = serde_json::from_value(back).unwrap();
    prop_assert_eq!(&reparsed, &parsed);
    Ok(parsed)
}

/// `op.parse_response` of `json` as a 200 body gives what serde_json decodes
/// from the same bytes. (Compared with the text decode, not with
/// `from_value`: serde_json's default float parser may move a float with a
/// large exponent by one ULP on the way through text.)
fn check_op_agrees<O>(op: &O, json: &Value) -> Result<(), TestCaseError>
where
    O: Operation,
    O::Output: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let response = json_response(json, 200);
    let direct: O::Output = serde_json::from_slice(response.body()).unwrap();
    let parsed = op
        .parse_response(response)
        .map_err(|e| TestCaseError::fail(format!("{}: {e}", O::NAME)))?;
    prop_assert_eq!(parsed.status, http::StatusCode::OK);
    prop_assert_eq!(parsed.value, direct);
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn known_factors_round_trip(json in known_factor()) {
        let factor: UserFactor = round_trip(&json)?;
        let wire_type = json["factorType"].as_str().unwrap();
        prop_assert!(!factor.is_unknown());
        let factor_type = factor.factor_type();
        prop_assert_eq!(factor_type.as_str(), wire_type);
        prop_assert_eq!(factor.id(), json.get("id").and_then(Value::as_str));
        // Through the operation, from bytes: the same as decoding the text.
        check_op_agrees(&GetFactor::new("u", "f"), &json)?;
    }

    #[test]
    fn unknown_factors_round_trip(json in unknown_factor()) {
        let factor: UserFactor = round_trip(&json)?;
        let wire_type = json["factorType"].as_str().unwrap();
        match &factor {
            UserFactor::Unknown(unknown) => prop_assert_eq!(&unknown.factor_type, wire_type),
            other => return Err(TestCaseError::fail(format!("not Unknown: {other:?}"))),
        }
        prop_assert_eq!(factor.factor_type(), FactorType::Other(wire_type.to_owned()));
    }

    #[test]
    fn factor_lists_mixing_known_and_unknown_types_parse(
        list in vec(prop_oneof![known_factor(), unknown_factor()], 0..5)
    ) {
        let json = Value::Array(list);
        let factors: Vec<UserFactor> = round_trip(&json)?;
        prop_assert_eq!(factors.len(), json.as_array().unwrap().len());
        for (factor, item) in factors.iter().zip(json.as_array().unwrap()) {
            let wire_type = item["factorType"].as_str().unwrap();
            prop_assert_eq!(factor.is_unknown(), !FactorType::from(wire_type).is_known());
        }
        check_op_agrees(&ListFactors::new("u"), &json)?;
    }

    /// The 3.0-era `hotp` keeps its spelling (HEAD re-serialized it as
    /// `token:hotp`).
    #[test]
    fn hotp_alias_round_trips_exactly(json in factor_of(Just("hotp".to_owned()).boxed())) {
        let factor: UserFactor = round_trip(&json)?;
        prop_assert_eq!(factor.factor_type(), FactorType::Hotp);
    }

    #[test]
    fn verify_outcomes_round_trip(json in verify_response()) {
        let outcome: VerifyOutcome = round_trip(&json)?;
        let result = json.get("factorResult").and_then(Value::as_str).map(FactorResult::from);
        prop_assert_eq!(outcome.factor_result(), result.as_ref());
        let expect_unknown = !result.as_ref().is_some_and(FactorResult::is_known);
        prop_assert_eq!(matches!(outcome, VerifyOutcome::Unknown(_)), expect_unknown);
        prop_assert_eq!(
            outcome.as_waiting().is_some(),
            result == Some(FactorResult::Waiting)
        );
        let answer = json.pointer("/_embedded/challenge/correctAnswer").and_then(Value::as_u64);
        prop_assert_eq!(
            outcome.response().embedded.as_ref().and_then(|e| e.correct_answer()).map(u64::from),
            answer
        );
        check_op_agrees(&GetFactorTransactionStatus::new("u", "f", "t"), &json)?;
    }

    #[test]
    fn supported_factors_round_trip(list in vec(supported_factor(), 0..4)) {
        let json = Value::Array(list);
        let parsed: Vec<SupportedFactor> = round_trip(&json)?;
        prop_assert_eq!(parsed.len(), json.as_array().unwrap().len());
        check_list_agrees(&ListSupportedFactors::new("u"), &json)?;
    }

    #[test]
    fn security_questions_round_trip(list in vec(security_question(), 0..4)) {
        let json = Value::Array(list);
        let parsed: Vec<SecurityQuestion> = round_trip(&json)?;
        prop_assert_eq!(parsed.len(), json.as_array().unwrap().len());
        check_list_agrees(&ListSupportedSecurityQuestions::new("u"), &json)?;
    }
}

/// `op.parse_response` of the array `json` (every element of which decodes)
/// gives `Ok` of what serde_json decodes from the same bytes, element by element.
fn check_list_agrees<O, T>(op: &O, json: &Value) -> Result<(), TestCaseError>
where
    O: Operation<Output = Vec<Result<T, Malformed>>>,
    T: serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let response = json_response(json, 200);
    let direct: Vec<T> = serde_json::from_slice(response.body()).unwrap();
    let parsed = op
        .parse_response(response)
        .map_err(|e| TestCaseError::fail(format!("{}: {e}", O::NAME)))?;
    let direct: Vec<Result<T, Malformed>> = direct.into_iter().map(Ok).collect();
    prop_assert_eq!(parsed.value, direct);
    Ok(())
}

// ---------------------------------------------------------------------------
// One element of another shape in a list: kept as sent, the others decoded
// ---------------------------------------------------------------------------

/// The string-typed profile members of a known factor type that hold no
/// secret (a secret accepts a number, so a number there is not an error).
fn string_profile_members(factor_type: &str) -> Vec<&'static str> {
    match factor_type {
        "call" => vec!["phoneNumber", "phoneExtension"],
        "sms" => vec!["phoneNumber"],
        "email" => vec!["email"],
        "question" => vec!["question", "questionText"],
        "push" => vec!["credentialId", "deviceType", "name", "platform", "version"],
        "signed_nonce" => vec!["credentialId", "deviceType", "name", "platform", "version"],
        "token" | "token:hardware" | "token:software:totp" | "token:hotp" | "hotp" | "web" => {
            vec!["credentialId"]
        }
        "u2f" => vec!["credentialId", "version"],
        "webauthn" => vec!["credentialId", "authenticatorName"],
        _ => vec![],
    }
}

/// Envelope members every factor models as a string (or an open enum, which
/// is read from a string only).
const STRING_ENVELOPE: &[&str] = &[
    "id",
    "provider",
    "vendorName",
    "status",
    "created",
    "lastUpdated",
    "factorProfileId",
];

/// A value no string member accepts.
fn not_a_string() -> BoxedStrategy<Value> {
    odd_value()
        .prop_map(|v| if v.is_string() { json!(1234) } else { v })
        .boxed()
}

/// A known factor with one string member (of the envelope, or of the profile)
/// set to a value of another type; with the JSON path of that member.
fn malformed_factor() -> BoxedStrategy<(Value, String)> {
    (known_factor(), any::<prop::sample::Index>(), not_a_string())
        .prop_map(|(mut factor, pick, value)| {
            let factor_type = factor["factorType"].as_str().unwrap().to_owned();
            let profile = string_profile_members(&factor_type);
            let choices: Vec<String> = STRING_ENVELOPE
                .iter()
                .map(|m| (*m).to_owned())
                .chain(profile.iter().map(|m| format!("profile.{m}")))
                .collect();
            let path = pick.get(&choices).clone();
            let object = factor.as_object_mut().unwrap();
            match path.strip_prefix("profile.") {
                Some(member) => {
                    let profile = object.entry("profile").or_insert_with(|| json!({}));
                    if !profile.is_object() {
                        *profile = json!({});
                    }
                    profile
                        .as_object_mut()
                        .unwrap()
                        .insert(member.to_owned(), value);
                }
                None => {
                    object.insert(path.clone(), value);
                }
            }
            (factor, path)
        })
        .boxed()
}

/// A list of good elements with one odd element at some position.
fn with_odd_one_in<T: std::fmt::Debug + Clone + 'static>(
    good: BoxedStrategy<Value>,
    odd: BoxedStrategy<(Value, T)>,
) -> BoxedStrategy<(Vec<Value>, usize, T)> {
    (vec(good, 0..4), odd, any::<prop::sample::Index>())
        .prop_map(|(mut list, (element, info), at)| {
            let at = at.index(list.len() + 1);
            list.insert(at, element);
            (list, at, info)
        })
        .boxed()
}

/// A catalog entry or a question with one modeled string member set to
/// another type; with that member's name.
fn malformed_entry(
    good: BoxedStrategy<Value>,
    members: &'static [&'static str],
) -> BoxedStrategy<(Value, String)> {
    (good, select(members), not_a_string())
        .prop_map(|(mut entry, member, value)| {
            entry
                .as_object_mut()
                .unwrap()
                .insert(member.to_owned(), value);
            (entry, member.to_owned())
        })
        .boxed()
}

/// The elements of a parsed list of `Result`s against the array they came
/// from: `odd` is `Err` with the element as sent and `path`, every other is
/// `Ok` of its own decode; the list serializes back to exactly `list`.
fn check_odd_entry<T>(
    parsed: &[Result<T, Malformed>],
    list: &[Value],
    odd: usize,
    path: &str,
) -> Result<(), TestCaseError>
where
    T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    prop_assert_eq!(parsed.len(), list.len());
    let mut back = Vec::new();
    for (i, (element, wire)) in parsed.iter().zip(list).enumerate() {
        match element {
            Err(malformed) if i == odd => {
                prop_assert_eq!(malformed.raw(), wire);
                prop_assert_eq!(&malformed.error().path, path);
                back.push(malformed.raw().clone());
            }
            Ok(value) if i != odd => {
                prop_assert_eq!(value, &serde_json::from_value::<T>(wire.clone()).unwrap());
                back.push(serde_json::to_value(value).unwrap());
            }
            other => {
                return Err(TestCaseError::fail(format!(
                    "[{i}] (odd: {odd}): {other:?}"
                )))
            }
        }
    }
    prop_assert_eq!(&back, list);
    Ok(())
}

proptest! {
    #![proptest_config(config(128))]

    /// A factor with a member of another type does not fail `list_factors`:
    /// it is `Malformed`, kept as sent with the member's path; the others
    /// decode as on their own, and the list serializes back exactly.
    #[test]
    fn a_malformed_factor_is_kept_and_fails_nothing_else(
        (list, odd, path) in with_odd_one_in(
            prop_oneof![known_factor(), unknown_factor()].boxed(),
            malformed_factor(),
        )
    ) {
        let json = Value::Array(list.clone());
        let parsed = ListFactors::new("u").parse_response(json_response(&json, 200));
        let factors = parsed.map_err(|e| TestCaseError::fail(format!("{e}")))?.value;
        prop_assert_eq!(factors.len(), list.len());
        for (i, (factor, wire)) in factors.iter().zip(&list).enumerate() {
            if i != odd {
                prop_assert!(factor.as_malformed().is_none(), "[{}] {:?}", i, factor);
                prop_assert_eq!(factor, &serde_json::from_value::<UserFactor>(wire.clone()).unwrap());
                continue;
            }
            let malformed = factor.as_malformed().ok_or_else(|| {
                TestCaseError::fail(format!("[{i}] not Malformed: {factor:?}"))
            })?;
            prop_assert_eq!(malformed.raw(), wire);
            prop_assert_eq!(&malformed.error().path, &path);
            // The members that are fine still read.
            let wire_type = wire["factorType"].as_str().unwrap();
            prop_assert_eq!(factor.factor_type(), FactorType::from(wire_type));
            if path != "id" {
                prop_assert_eq!(factor.id(), wire.get("id").and_then(Value::as_str));
            }
        }
        prop_assert_eq!(serde_json::to_value(&factors).unwrap(), json);
    }

    #[test]
    fn a_malformed_catalog_entry_is_kept_and_fails_nothing_else(
        (list, odd, path) in with_odd_one_in(
            supported_factor(),
            malformed_entry(
                supported_factor(),
                &["factorType", "provider", "vendorName", "status", "enrollment"],
            ),
        )
    ) {
        let json = Value::Array(list.clone());
        let parsed = ListSupportedFactors::new("u").parse_response(json_response(&json, 200));
        let entries = parsed.map_err(|e| TestCaseError::fail(format!("{e}")))?.value;
        check_odd_entry(&entries, &list, odd, &path)?;
    }

    #[test]
    fn a_malformed_question_is_kept_and_fails_nothing_else(
        (list, odd, path) in with_odd_one_in(
            security_question(),
            malformed_entry(security_question(), &["question", "questionText"]),
        )
    ) {
        let json = Value::Array(list.clone());
        let parsed =
            ListSupportedSecurityQuestions::new("u").parse_response(json_response(&json, 200));
        let questions = parsed.map_err(|e| TestCaseError::fail(format!("{e}")))?.value;
        check_odd_entry(&questions, &list, odd, &path)?;
    }
}

// --- OktaError -------------------------------------------------------------

#[derive(Debug, Clone)]
enum Causes {
    Missing,
    Array(Vec<Option<String>>),
    Object(Option<String>),
    Text(String),
}

fn causes() -> impl Strategy<Value = Causes> {
    prop_oneof![
        Just(Causes::Missing),
        vec(proptest::option::of(text()), 0..3).prop_map(Causes::Array),
        proptest::option::of(text()).prop_map(Causes::Object),
        text().prop_map(Causes::Text),
    ]
}

fn cause(summary: Option<String>) -> ErrorCause {
    let mut cause = ErrorCause::default();
    cause.error_summary = summary;
    cause
}

fn cause_json(summary: &Option<String>) -> Value {
    match summary {
        Some(s) => json!({ "errorSummary": s }),
        None => json!({}),
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// The array form round-trips exactly; the object, string and missing forms
    /// normalize to an array, so the check there is semantic.
    #[test]
    fn okta_errors_round_trip(
        members in vec(proptest::option::of(text()), 4),
        causes in causes(),
    ) {
        let names = ["errorCode", "errorSummary", "errorLink", "errorId"];
        let mut input = Map::new();
        for (name, value) in names.iter().zip(&members) {
            if let Some(value) = value {
                input.insert((*name).to_owned(), json!(value));
            }
        }
        let mut expected = OktaError::default();
        expected.error_code = members[0].clone();
        expected.error_summary = members[1].clone();
        expected.error_link = members[2].clone();
        expected.error_id = members[3].clone();
        let mut canonical = input.clone();
        match &causes {
            Causes::Missing => {}
            Causes::Array(list) => {
                input.insert("errorCauses".into(), list.iter().map(cause_json).collect());
                expected.error_causes = list.iter().cloned().map(cause).collect();
            }
            Causes::Object(summary) => {
                input.insert("errorCauses".into(), cause_json(summary));
                expected.error_causes = vec![cause(summary.clone())];
            }
            Causes::Text(summary) => {
                input.insert("errorCauses".into(), json!(summary));
                expected.error_causes = vec![cause(Some(summary.clone()))];
            }
        }
        canonical.insert(
            "errorCauses".into(),
            expected.error_causes.iter().map(|c| cause_json(&c.error_summary)).collect(),
        );
        let input = Value::Object(input);
        let canonical = Value::Object(canonical);

        let parsed: OktaError = serde_json::from_value(input.clone()).unwrap();
        prop_assert_eq!(&parsed, &expected);
        if matches!(causes, Causes::Array(_)) {
            round_trip::<OktaError>(&input)?;
        }
        round_trip::<OktaError>(&canonical)?;

        // As an error response: Api when errorCode or errorSummary is present.
        let err = GetFactor::new("u", "f").parse_response(json_response(&input, 400)).unwrap_err();
        if parsed.error_code.is_some() || parsed.error_summary.is_some() {
            let Error::Api(api) = &err else {
                return Err(TestCaseError::fail(format!("not Api: {err:?}")));
            };
            prop_assert_eq!(&api.body, &parsed);
            prop_assert_eq!(err.error_code(), parsed.error_code.as_deref());
        } else {
            prop_assert!(matches!(err, Error::UnexpectedResponse(_)), "{err:?}");
        }
    }
}

// --- Open enums ------------------------------------------------------------

macro_rules! open_enum_checks {
    ($value:expr, $($ty:ty => $known:expr),*) => {{
        let value: &str = $value;
        $(
            let known: BTreeSet<&str> = $known.iter().copied().collect();
            let parsed = <$ty>::from(value);
            prop_assert_eq!(parsed.as_str(), value);
            prop_assert_eq!(parsed.to_string(), value);
            prop_assert_eq!(&<$ty>::from(value.to_owned()), &parsed);
            prop_assert_eq!(&value.parse::<$ty>().unwrap(), &parsed);
            prop_assert_eq!(parsed.is_known(), known.contains(value));
            let from_json: $ty = serde_json::from_value(json!(value)).unwrap();
            prop_assert_eq!(&from_json, &parsed);
            prop_assert_eq!(serde_json::to_value(&parsed).unwrap(), json!(value));
        )*
    }};
}

fn any_enum_string() -> BoxedStrategy<String> {
    let all_known: Vec<&'static str> = types()
        .into_iter()
        .chain(statuses())
        .chain(providers())
        .chain(results())
        .chain(requirements())
        .collect();
    prop_oneof![
        select(all_known).prop_map(str::to_owned),
        "[A-Za-z_:]{0,20}",
        vec(any::<char>(), 0..12).prop_map(String::from_iter),
    ]
    .boxed()
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn open_enums_keep_any_string(value in any_enum_string()) {
        open_enum_checks!(
            &value,
            FactorStatus => FACTOR_STATUSES,
            FactorProvider => FACTOR_PROVIDERS,
            FactorResult => FACTOR_RESULTS,
            FactorType => FACTOR_TYPES,
            EnrollmentRequirement => ENROLLMENT_REQUIREMENTS
        );
    }
}

#[test]
fn known_enum_strings_map_to_named_variants() {
    macro_rules! check {
        ($($ty:ty => $known:expr),*) => {$(
            for known in $known {
                let parsed = <$ty>::from(*known);
                assert!(parsed.is_known(), "{parsed:?}");
                assert_eq!(parsed.as_str(), *known);
            }
        )*};
    }
    check!(
        FactorStatus => FACTOR_STATUSES,
        FactorProvider => FACTOR_PROVIDERS,
        FactorResult => FACTOR_RESULTS,
        FactorType => FACTOR_TYPES,
        EnrollmentRequirement => ENROLLMENT_REQUIREMENTS
    );
}

// ---------------------------------------------------------------------------
// c. Rate-limit headers
// ---------------------------------------------------------------------------

const RATE_HEADERS: [&str; 3] = [
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
];

fn header_value_bytes() -> BoxedStrategy<Vec<u8>> {
    let s = prop_oneof![
        3 => any::<u64>().prop_map(|n| n.to_string()),
        2 => (0u64..10_000).prop_map(|n| n.to_string()),
        1 => (any::<u64>(), "[ \\t]{0,2}", "[ \\t]{0,2}").prop_map(|(n, a, b)| format!("{a}{n}{b}")),
        1 => "-[0-9]{1,20}",
        1 => "\\+[0-9]{1,20}",
        1 => "[0-9]{19,25}",
        1 => Just(u64::MAX.to_string()),
        1 => Just("18446744073709551616".to_owned()),
        1 => Just(String::new()),
        2 => vec(any::<u64>().prop_map(|n| n.to_string()), 1..4).prop_map(|v| v.join(",")),
        2 => "[0-9, \\t+-]{0,16}",
        1 => "[ -~]{0,16}",
        1 => "\\PC{0,8}",
    ]
    .prop_map(String::into_bytes);
    prop_oneof![4 => s, 1 => vec(any::<u8>(), 0..16)].boxed()
}

fn header_name() -> BoxedStrategy<String> {
    prop_oneof![
        6 => select(RATE_HEADERS.to_vec()).prop_map(str::to_owned),
        2 => select(vec!["X-Rate-Limit-Limit", "X-RATE-LIMIT-REMAINING", "X-Rate-Limit-Reset"])
            .prop_map(str::to_owned),
        1 => select(vec!["x-okta-request-id", "x-rate-limit", "date", "x-rate-limit-limits"])
            .prop_map(str::to_owned),
    ]
    .boxed()
}

/// The oracle: a `u64` in decimal, optionally `+`-signed, surrounded by spaces
/// or tabs; `None` for anything else.
fn oracle_u64(item: &[u8]) -> Option<u64> {
    let mut start = 0;
    let mut end = item.len();
    while start < end && matches!(item[start], b' ' | b'\t') {
        start += 1;
    }
    while end > start && matches!(item[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    let mut digits = &item[start..end];
    if let [b'+', rest @ ..] = digits {
        digits = rest;
    }
    if digits.is_empty() {
        return None;
    }
    let mut value: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(value)
}

/// The smallest parsable value over every occurrence of `name`, where a value
/// may be a comma-separated list; values with non-visible-ASCII bytes (other
/// than tab) are ignored as a whole.
fn oracle_min(accepted: &[(String, Vec<u8>)], name: &str) -> Option<u64> {
    accepted
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .filter(|(_, v)| v.iter().all(|&b| b == b'\t' || (0x20..0x7f).contains(&b)))
        .flat_map(|(_, v)| v.split(|&b| b == b',').map(oracle_u64))
        .flatten()
        .min()
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn rate_limit_is_the_minimum_of_parsable_values(
        headers in vec((header_name(), header_value_bytes()), 0..8)
    ) {
        let mut map = HeaderMap::new();
        let mut accepted = Vec::new();
        for (name, value) in headers {
            // Bytes no header can carry (CR, LF, NUL, …) never reach a response.
            if let Ok(header) = HeaderValue::from_bytes(&value) {
                map.append(HeaderName::from_bytes(name.as_bytes()).unwrap(), header);
                accepted.push((name, value));
            }
        }
        let limits = RateLimit::from_headers(&map);
        prop_assert_eq!(limits.limit, oracle_min(&accepted, RATE_HEADERS[0]));
        prop_assert_eq!(limits.remaining, oracle_min(&accepted, RATE_HEADERS[1]));
        prop_assert_eq!(limits.reset, oracle_min(&accepted, RATE_HEADERS[2]));
        prop_assert_eq!(
            limits.is_empty(),
            limits.limit.is_none() && limits.remaining.is_none() && limits.reset.is_none()
        );
        let meta = ResponseMeta::from_headers(&map);
        prop_assert_eq!(meta.rate_limit, limits);

        // The same headers on real responses, success and error.
        let mut ok = http::Response::builder().status(204);
        let mut err = http::Response::builder().status(429);
        for (name, value) in map.iter() {
            ok = ok.header(name, value);
            err = err.header(name, value);
        }
        let parsed = UnenrollFactor::new("u", "f").parse_response(ok.body(Vec::new()).unwrap()).unwrap();
        prop_assert_eq!(parsed.meta.rate_limit, limits);
        let error = ListFactors::new("u").parse_response(err.body(b"{}".to_vec()).unwrap()).unwrap_err();
        prop_assert!(error.is_rate_limited());
        prop_assert_eq!(error.meta().unwrap().rate_limit, limits);
    }
}

#[test]
fn rate_limit_oracle_sanity() {
    assert_eq!(oracle_u64(b" +42\t"), Some(42));
    assert_eq!(oracle_u64(b"-1"), None);
    assert_eq!(oracle_u64(b"18446744073709551615"), Some(u64::MAX));
    assert_eq!(oracle_u64(b"18446744073709551616"), None);
    assert_eq!(oracle_u64(b""), None);
    assert_eq!(oracle_u64(b"+"), None);
    assert_eq!(oracle_u64(b"1 2"), None);
}

// ---------------------------------------------------------------------------
// d. Request parameter space
// ---------------------------------------------------------------------------

/// A header value candidate: valid visible ASCII, with CR/LF, with controls,
/// non-ASCII.
fn header_param() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[ -~]{0,20}",
        1 => "[ -~\\t]{0,8}",
        2 => "[ -~]{0,8}[\\r\\n][ -~]{0,8}",
        1 => "[ -~]{0,4}[\\x00-\\x08\\x0b-\\x1f\\x7f][ -~]{0,4}",
        1 => "\\PC{0,10}",
        1 => vec(any::<char>(), 0..10).prop_map(String::from_iter),
    ]
    .boxed()
}

fn template_param() -> BoxedStrategy<String> {
    prop_oneof![
        2 => "[a-zA-Z0-9]{20}",
        2 => "\\PC{0,20}",
        1 => vec(any::<char>(), 0..10).prop_map(String::from_iter),
    ]
    .boxed()
}

fn lifetime() -> BoxedStrategy<u32> {
    prop_oneof![
        Just(0u32),
        Just(1),
        Just(86_400),
        Just(86_401),
        Just(u32::MAX),
        1u32..=86_400,
        any::<u32>(),
    ]
    .boxed()
}

/// What `InputError::Header` documents a header parameter may carry: visible
/// ASCII, spaces and tabs (no CR, LF, other controls or non-ASCII).
fn header_ok(value: &str) -> bool {
    value.chars().all(|c| c == '\t' || (' '..='~').contains(&c))
}

/// `tokenLifetimeSeconds` is unset or within the spec's 1..=86400.
fn lifetime_ok(lifetime: Option<u32>) -> bool {
    match lifetime {
        None => true,
        Some(seconds) => (1..=86_400).contains(&seconds),
    }
}

fn verify_body() -> BoxedStrategy<VerifyFactorRequest> {
    (
        proptest::option::of(text()),
        proptest::option::of(text()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(text()),
    )
        .prop_map(|(pass_code, answer, number_matching, client_data)| {
            let mut body = VerifyFactorRequest::default();
            body.pass_code = pass_code.map(Secret::new);
            body.answer = answer.map(Secret::new);
            body.use_number_matching_challenge = number_matching;
            body.client_data = client_data;
            body
        })
        .boxed()
}

/// Checks a built request (or its error) against the expected query and
/// headers. `lifetime_ok` is the range check; `headers` are the header
/// parameters in the order the operation adds them.
fn check_params(
    result: Result<http::Request<Vec<u8>>, Error>,
    lifetime_ok: bool,
    query: &[(&str, String)],
    headers: &[(&'static str, &'static str, Option<&String>)],
    body: Option<Vec<u8>>,
) -> Result<(), TestCaseError> {
    let first_bad_header = headers
        .iter()
        .find(|(_, _, v)| v.is_some_and(|v| !header_ok(v)))
        .map(|(_, display, _)| *display);
    match result {
        Err(Error::Input(InputError::Parameter { name, .. })) => {
            prop_assert!(!lifetime_ok, "unexpected parameter error {name}");
            prop_assert_eq!(name, "tokenLifetimeSeconds");
        }
        Err(Error::Input(InputError::Header { name, .. })) => {
            prop_assert!(lifetime_ok);
            prop_assert_eq!(Some(name), first_bad_header);
        }
        Err(e) => return Err(TestCaseError::fail(format!("unexpected error {e:?}"))),
        Ok(request) => {
            prop_assert!(lifetime_ok, "out-of-range lifetime accepted");
            prop_assert_eq!(first_bad_header, None);
            let want: Vec<(String, String)> = query
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            match request.uri().query() {
                None => prop_assert!(want.is_empty(), "query missing: {want:?}"),
                Some(q) => prop_assert_eq!(form_decode(q), want),
            }
            let h = request.headers();
            let mut user_agent_set = false;
            for (name, _, value) in headers {
                let got: Vec<&[u8]> = h.get_all(*name).iter().map(|v| v.as_bytes()).collect();
                if *name == "user-agent" {
                    user_agent_set = value.is_some();
                    if value.is_none() {
                        continue;
                    }
                }
                let want: Vec<&[u8]> = value.iter().map(|v| v.as_bytes()).collect();
                prop_assert_eq!(got, want, "{}", name);
            }
            let agent = CRATE_USER_AGENT.as_bytes();
            if user_agent_set {
                prop_assert_eq!(
                    h.get("x-okta-user-agent-extended").map(|v| v.as_bytes()),
                    Some(agent)
                );
            } else {
                prop_assert_eq!(h.get("user-agent").map(|v| v.as_bytes()), Some(agent));
                prop_assert!(h.get("x-okta-user-agent-extended").is_none());
            }
            prop_assert!(h["authorization"].is_sensitive());
            prop_assert_eq!(&h["accept"], "application/json");
            match body {
                Some(body) => {
                    prop_assert_eq!(request.body(), &body);
                    prop_assert_eq!(&h["content-type"], "application/json");
                }
                None => {
                    prop_assert!(request.body().is_empty());
                    prop_assert!(h.get("content-type").is_none());
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn verify_parameters_build_or_fail_typed(
        template_id in proptest::option::of(template_param()),
        lifetime in proptest::option::of(lifetime()),
        forwarded_for in proptest::option::of(header_param()),
        user_agent in proptest::option::of(header_param()),
        accept_language in proptest::option::of(header_param()),
        body in proptest::option::of(verify_body()),
    ) {
        let mut op = VerifyFactor::new("00u1", "opf1");
        if let Some(v) = &template_id { op = op.template_id(v.clone()); }
        if let Some(v) = lifetime { op = op.token_lifetime_seconds(v); }
        if let Some(v) = &forwarded_for { op = op.forwarded_for(v.clone()); }
        if let Some(v) = &user_agent { op = op.user_agent(v.clone()); }
        if let Some(v) = &accept_language { op = op.accept_language(v.clone()); }
        if let Some(b) = &body { op = op.body(b.clone()); }

        let mut query = Vec::new();
        if let Some(v) = &template_id { query.push(("templateId", v.clone())); }
        if let Some(v) = lifetime { query.push(("tokenLifetimeSeconds", v.to_string())); }
        check_params(
            op.build_request(&org(), &creds()),
            lifetime_ok(lifetime),
            &query,
            &[
                ("x-forwarded-for", "X-Forwarded-For", forwarded_for.as_ref()),
                ("user-agent", "User-Agent", user_agent.as_ref()),
                ("accept-language", "Accept-Language", accept_language.as_ref()),
            ],
            body.map(|b| serde_json::to_vec(&b).unwrap()),
        )?;
    }

    #[test]
    fn enroll_parameters_build_or_fail_typed(
        update_phone in proptest::option::of(any::<bool>()),
        template_id in proptest::option::of(template_param()),
        lifetime in proptest::option::of(lifetime()),
        activate in proptest::option::of(any::<bool>()),
        accept_language in proptest::option::of(header_param()),
    ) {
        let enrollment = FactorEnrollment::sms("+15554151337");
        let mut op = EnrollFactor::new("00u1", enrollment.clone());
        if let Some(v) = update_phone { op = op.update_phone(v); }
        if let Some(v) = &template_id { op = op.template_id(v.clone()); }
        if let Some(v) = lifetime { op = op.token_lifetime_seconds(v); }
        if let Some(v) = activate { op = op.activate(v); }
        if let Some(v) = &accept_language { op = op.accept_language(v.clone()); }

        let mut query = Vec::new();
        if let Some(v) = update_phone { query.push(("updatePhone", v.to_string())); }
        if let Some(v) = &template_id { query.push(("templateId", v.clone())); }
        if let Some(v) = lifetime { query.push(("tokenLifetimeSeconds", v.to_string())); }
        if let Some(v) = activate { query.push(("activate", v.to_string())); }
        check_params(
            op.build_request(&org(), &creds()),
            lifetime_ok(lifetime),
            &query,
            &[
                ("user-agent", "User-Agent", None),
                ("accept-language", "Accept-Language", accept_language.as_ref()),
            ],
            Some(serde_json::to_vec(&enrollment).unwrap()),
        )?;
    }

    #[test]
    fn resend_and_unenroll_parameters_build_or_fail_typed(
        template_id in proptest::option::of(template_param()),
        accept_language in proptest::option::of(header_param()),
        remove_recovery in proptest::option::of(any::<bool>()),
    ) {
        let enrollment = FactorEnrollment::call_with_extension("+15554151337", "1234");
        let mut op = ResendEnrollFactor::new("00u1", "clf1", enrollment.clone());
        if let Some(v) = &template_id { op = op.template_id(v.clone()); }
        if let Some(v) = &accept_language { op = op.accept_language(v.clone()); }
        let mut query = Vec::new();
        if let Some(v) = &template_id { query.push(("templateId", v.clone())); }
        check_params(
            op.build_request(&org(), &creds()),
            true,
            &query,
            &[
                ("user-agent", "User-Agent", None),
                ("accept-language", "Accept-Language", accept_language.as_ref()),
            ],
            Some(serde_json::to_vec(&enrollment).unwrap()),
        )?;

        let mut op = UnenrollFactor::new("00u1", "clf1");
        if let Some(v) = remove_recovery { op = op.remove_recovery_enrollment(v); }
        let query: Vec<(&str, String)> = remove_recovery
            .map(|v| ("removeRecoveryEnrollment", v.to_string()))
            .into_iter()
            .collect();
        check_params(
            op.build_request(&org(), &creds()),
            true,
            &query,
            &[("user-agent", "User-Agent", None)],
            None,
        )?;
    }
}

/// HEAD accepted non-ASCII header parameters (sent as raw UTF-8 bytes).
#[test]
fn non_ascii_header_values_are_rejected_as_documented() {
    let op = VerifyFactor::new("00u1", "opf1").user_agent("Mozilla/5.0 (Macintosh; caf\u{e9})");
    let result = op.build_request(&org(), &creds());
    assert!(
        matches!(
            result,
            Err(Error::Input(InputError::Header {
                name: "User-Agent",
                ..
            }))
        ),
        "{result:?}"
    );
}
