#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Cross-check (issue 4): every response the simulator produces has the
//! SHAPE the spec gives for that operation and status.
//!
//! The test walks every endpoint through [`Simulator::handle`] on a
//! [`ManualClock`] (no socket): for each of the ten operations its success
//! responses for every factor type the simulator supports, and its error
//! responses (400, 401, 403, 404, 429; plus a 405 and an injected 500).
//!
//! The reference is data, not code: from the spec's examples
//! (`okta-factors-core/tests/fixtures/spec/*.json`, their `wire_body`) and the
//! real wire vectors (`…/fixtures/vectors/*.json`) it builds one *shape* per
//! (schema family, status class, kind): for every JSON path (`id`,
//! `profile.phoneNumber`, `_embedded.activation.sharedSecret`, array elements
//! as `[]`) the set of JSON types seen. A link relation (`_links.<rel>`) has
//! the type `link`: a link object or an array of link objects, whose members
//! share the relation's path (`_links.resend.href`), because the wire sends
//! some relations as arrays where the schema says object (spec README).
//!
//! * The family is the schema the spec gives the response: `factor`
//!   (`UserFactor`: enroll, get, list elements, resend, activate of a
//!   non-push factor), `verify` (`UserFactorVerifyResponse[Waiting]`),
//!   `transaction` (`UserFactorPushTransaction`), `activation` (the push
//!   activation object that `activate` answers until the device is paired),
//!   `catalog` (`UserFactorSupported`), `question`
//!   (`UserFactorSecurityQuestionProfile`), `error` (`Error`, shared by every
//!   error status of every operation). Operations that return the same
//!   schema share their examples: e.g. a `get` of a pending TOTP factor is
//!   checked against the TOTP examples of `enroll` and `list`.
//! * The kind is `factorType` and `status` for factors (a pending factor has
//!   other links than an active one), `factorType` for catalog entries,
//!   `factorResult` for verify results, transactions and activations, else
//!   the family name. A kind without an example of its own is checked
//!   against a kind of the same schema ([`ALIASES`], each justified).
//!
//! For each simulator response the test asserts that (1) every path exists in
//! the reference shape (or in [`EXTRAS`], each justified by the YAML schema),
//! (2) its JSON type is one the reference has, (3) the required members are
//! present, and that the status code is right (enroll 200, push verify 201,
//! other verifies 200, unenroll 204 with an empty body). Failures list every
//! offending path with the response it came from. Deviations of the simulator
//! from the spec go to [`KNOWN_DEVIATIONS`] (which must keep matching). A
//! second test feeds the check bodies with known faults, and the walk must
//! keep covering [`COVERAGE`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use http::{Method, Request};
use okta_factors_sim::{Fault, ManualClock, Simulator, SimulatorConfig};
use serde_json::{json, Value};

const TOKEN: &str = "test-token";
const ORG: &str = "https://dev-123456.okta.com";

// ----- what the reference does not show, justified by the spec -----

/// Kinds without an example of their own, checked against the shape of a
/// kind the spec types with the same schema.
struct Alias {
    family: &'static str,
    class: &'static str,
    kinds: &'static [&'static str],
    /// `(class, kind)` whose shape to use (same family).
    use_shape_of: (&'static str, &'static str),
    #[allow(dead_code)] // documentation
    why: &'static str,
}

const ALIASES: &[Alias] = &[
    Alias {
        family: "factor",
        class: "2xx",
        kinds: &["web ACTIVE"],
        use_shape_of: ("2xx", "push ACTIVE"),
        why: "As below, once the device completed the activation.",
    },
    Alias {
        family: "factor",
        class: "2xx",
        kinds: &["web PENDING_ACTIVATION"],
        use_shape_of: ("2xx", "push PENDING_ACTIVATION"),
        why: "No example shows a Duo `web` factor. `UserFactorWeb` is `UserFactor` plus \
              `profile.credentialId` (which the push examples have too), and like push it \
              is activated by a device (`poll` link, `_embedded.activation` with \
              `factorResult`/`expiresAt`); its Duo-only members are in EXTRAS.",
    },
    Alias {
        family: "catalog",
        class: "2xx",
        kinds: &[
            "email",
            "push",
            "u2f",
            "webauthn",
            "token:hardware",
            "token:hotp",
            "web",
        ],
        use_shape_of: ("2xx", "call"),
        why: "`UserFactorSupported` is one schema for every factorType (no discriminator); \
              the examples vary only for `sms` (`_embedded.phones`) and `question` \
              (`questions` link), so the other types have the shape of a plain entry.",
    },
    Alias {
        family: "verify",
        class: "2xx",
        kinds: &["PASSCODE_REPLAYED"],
        use_shape_of: ("2xx", "SUCCESS"),
        why: "`PASSCODE_REPLAYED` is a value of `UserFactorVerifyResult`, the `factorResult` \
              of the same `UserFactorVerifyResponse`; no example shows it.",
    },
    Alias {
        family: "transaction",
        class: "2xx",
        kinds: &["CANCELLED"],
        use_shape_of: ("2xx", "REJECTED"),
        why: "`CANCELLED` (after the `cancel` link) is in the v3.0 `FactorResultType` enum \
              (`CANCELED` in the current spec's descriptions; enums are open, README); a \
              finished transaction has the shape of the REJECTED/TIMEOUT examples.",
    },
    Alias {
        family: "activation",
        class: "2xx",
        kinds: &["TIMEOUT"],
        use_shape_of: ("2xx", "WAITING"),
        why: "The push activate request says activations \"return a `TIMEOUT` if not \
              completed before ... `expiresAt`. Use the published activate link to restart\"; \
              no example shows it (the `activate` link is in EXTRAS).",
    },
    Alias {
        family: "error",
        class: "5xx",
        kinds: &["error"],
        use_shape_of: ("4xx", "error"),
        why: "The spec declares no 5xx; Okta's `500 E0000009` body is the same `Error`.",
    },
];

/// A path the simulator may emit although no example shows it: a property
/// the YAML schema defines for that response. An extra of type `link` also
/// admits the link-object members (`href`, `hints.allow`, …) seen in the
/// reference's links.
struct Extra {
    family: &'static str,
    /// A kind, a factorType (every status of it), or `*` (every kind).
    kind: &'static str,
    path: &'static str,
    types: &'static [&'static str],
    #[allow(dead_code)] // documentation
    why: &'static str,
}

const EXTRAS: &[Extra] = &[
    Extra {
        family: "factor",
        kind: "email",
        path: "created",
        types: &["string"],
        why: "`UserFactor.created` (date-time); the email examples just omit it.",
    },
    Extra {
        family: "factor",
        kind: "email",
        path: "lastUpdated",
        types: &["string"],
        why: "`UserFactor.lastUpdated` (date-time); the email examples just omit it.",
    },
    Extra {
        family: "factor",
        kind: "email PENDING_ACTIVATION",
        path: "profile",
        types: &["object"],
        why: "`UserFactorEmail.profile` (`UserFactorEmailProfile`); the enroll example of \
              `email` omits the profile, the ACTIVE examples have it.",
    },
    Extra {
        family: "factor",
        kind: "email PENDING_ACTIVATION",
        path: "profile.email",
        types: &["string"],
        why: "`UserFactorEmailProfile.email` (string), as in the ACTIVE email examples.",
    },
    Extra {
        family: "factor",
        kind: "token:hotp",
        path: "factorProfileId",
        types: &["string"],
        why: "`UserFactorTokenHOTP.factorProfileId` (string); the Custom TOTP example omits it.",
    },
    Extra {
        family: "factor",
        kind: "web",
        path: "profile",
        types: &["object"],
        why: "`UserFactorWeb.profile` (`UserFactorWebProfile`); unlike push, Duo's profile \
              does not wait for a device.",
    },
    Extra {
        family: "factor",
        kind: "web",
        path: "profile.credentialId",
        types: &["string"],
        why: "`UserFactorWebProfile.credentialId` (string).",
    },
    Extra {
        family: "factor",
        kind: "web",
        path: "_embedded.activation.host",
        types: &["string"],
        why: "`UserFactor._embedded` is `additionalProperties: {type: object}` (free-form); \
              Duo's activation carries the Duo API host for the iframe.",
    },
    Extra {
        family: "factor",
        kind: "web",
        path: "_embedded.activation.signature",
        types: &["string"],
        why: "Free-form `_embedded` (as above): the signed request for the Duo iframe.",
    },
    Extra {
        family: "factor",
        kind: "web",
        path: "_embedded.activation._links.complete",
        types: &["link"],
        why: "Free-form `_embedded` (as above): where the Duo iframe posts its result; \
              a link is an `HrefObject`.",
    },
    Extra {
        family: "catalog",
        kind: "*",
        path: "status",
        types: &["string"],
        why: "`UserFactorSupported.status` (`UserFactorStatus`); no catalog example shows it.",
    },
    Extra {
        family: "catalog",
        kind: "*",
        path: "enrollment",
        types: &["string"],
        why: "`UserFactorSupported.enrollment` (OPTIONAL/REQUIRED); no example shows it.",
    },
    Extra {
        family: "catalog",
        kind: "*",
        path: "vendorName",
        types: &["string"],
        why: "`UserFactorSupported.vendorName`; the examples show it on some entries only.",
    },
    Extra {
        family: "verify",
        kind: "WAITING",
        path: "profile",
        types: &["object"],
        why: "`UserFactorVerifyResponseWaiting.profile` (object); the Duo `web` verify \
              carries the credential like a push transaction does.",
    },
    Extra {
        family: "verify",
        kind: "WAITING",
        path: "profile.credentialId",
        types: &["string"],
        why: "Verify `profile` values are strings (spec README); `credentialId` as in the \
              WAITING transaction examples.",
    },
    Extra {
        family: "activation",
        kind: "TIMEOUT",
        path: "_links.activate",
        types: &["link"],
        why: "`LinksActivate` (in `UserFactorLinks`): \"use the published activate link to \
              restart the activation process if the activation expires\".",
    },
];

/// A case where the simulator deviates from the spec: the assertion stays, the
/// failure is expected (and must still occur, so the list cannot go stale).
struct Deviation {
    /// The case label.
    case: &'static str,
    /// The offending path (or check name) as the failure reports it.
    path: &'static str,
    why: &'static str,
}

/// Empty: every response of the walk matches the spec's shapes (the gaps
/// were the reference's, see [`ALIASES`] and [`EXTRAS`]).
const KNOWN_DEVIATIONS: &[Deviation] = &[];

// ----- shapes -----

type Shape = BTreeMap<String, BTreeSet<&'static str>>;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    family: &'static str,
    class: &'static str,
    kind: String,
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.family, self.class, self.kind)
    }
}

fn class_of(status: u16) -> &'static str {
    match status {
        200..=299 => "2xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// The schema family of one response body (or list element).
fn family_of(operation: &str, status: u16, body: &Value) -> &'static str {
    if status >= 400 {
        return "error";
    }
    match operation {
        "list_supported_factors" => "catalog",
        "list_supported_security_questions" => "question",
        "get_factor_transaction_status" => "transaction",
        "verify_factor" => "verify",
        "activate_factor" if body.get("factorResult").is_some() && body.get("id").is_none() => {
            "activation"
        }
        _ => "factor",
    }
}

/// The kind: `factorType` and `status` of a factor (an `ACTIVE` factor has
/// other links and no `_embedded.activation`), `factorType` of a catalog
/// entry, `factorResult` of a verify result, transaction or activation.
fn kind_of(family: &str, body: &Value) -> String {
    let member = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .unwrap_or("<missing>")
    };
    match family {
        "factor" => format!("{} {}", member("factorType"), member("status")),
        "catalog" => member("factorType").to_owned(),
        "verify" | "transaction" | "activation" => member("factorResult").to_owned(),
        other => other.to_owned(),
    }
}

/// Whether an [`EXTRAS`] kind pattern matches `kind`: equal, `*`, or the
/// factorType of a factor kind (`email` matches `email ACTIVE`).
fn kind_matches(pattern: &str, kind: &str) -> bool {
    pattern == "*" || pattern == kind || kind.split(' ').next() == Some(pattern)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Adds every path below `value` (at `path`) with its JSON type to `out`.
fn collect(value: &Value, path: &str, out: &mut Shape) {
    match value {
        Value::Object(map) => {
            let links = path == "_links" || path.ends_with("._links");
            for (name, member) in map {
                let p = if path.is_empty() {
                    name.clone()
                } else {
                    format!("{path}.{name}")
                };
                if links {
                    // A link relation: one link object or an array of them,
                    // whose members share the relation's path.
                    let ty = match member {
                        Value::Object(_) => "link",
                        Value::Array(items) if items.iter().all(Value::is_object) => "link",
                        other => type_name(other),
                    };
                    out.entry(p.clone()).or_default().insert(ty);
                    match member {
                        Value::Array(items) => items.iter().for_each(|i| collect(i, &p, out)),
                        other => collect(other, &p, out),
                    }
                } else {
                    out.entry(p.clone()).or_default().insert(type_name(member));
                    collect(member, &p, out);
                }
            }
        }
        Value::Array(items) => {
            let p = format!("{path}[]");
            for item in items {
                out.entry(p.clone()).or_default().insert(type_name(item));
                collect(item, &p, out);
            }
        }
        _ => {}
    }
}

fn shape_of(value: &Value) -> Shape {
    let mut shape = Shape::new();
    collect(value, "", &mut shape);
    shape
}

/// The bodies to shape: the elements of a list response, else the body.
fn elements(body: &Value) -> Vec<&Value> {
    match body {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

// ----- the reference -----

#[derive(Default)]
struct Reference {
    shapes: BTreeMap<Key, Shape>,
    /// Which fixture files contributed to each shape.
    sources: BTreeMap<Key, BTreeSet<String>>,
    /// The members of a link object (`href`, `hints.allow`, …), relative to
    /// the relation, from every link in the reference.
    link_members: Shape,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../okta-factors-core/tests/fixtures")
}

fn json_files(dir: &Path) -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, value)
        })
        .collect()
}

impl Reference {
    fn load() -> Self {
        let mut reference = Self::default();
        let spec = json_files(&fixtures().join("spec"));
        assert!(spec.len() > 50, "spec fixtures missing");
        for (name, file) in &spec {
            if file["kind"] != "response" {
                continue;
            }
            let status = file["status"].as_u64().expect("status") as u16;
            let operation = file["operation"].as_str().expect("operation");
            reference.add(operation, status, &file["wire_body"], name);
        }
        let vectors = json_files(&fixtures().join("vectors"));
        assert!(vectors.len() > 30, "wire vectors missing");
        for (name, file) in &vectors {
            let response = &file["response"];
            let body = &response["body"];
            if response.is_null() || body.is_null() || body == "" {
                continue;
            }
            let status = response["status"].as_u64().expect("status") as u16;
            let operation = file["operation"].as_str().expect("operation");
            reference.add(operation, status, body, name);
        }
        let mut link_members = Shape::new();
        for shape in reference.shapes.values() {
            let relations = shape
                .iter()
                .filter(|(_, types)| types.contains("link"))
                .map(|(path, _)| format!("{path}."));
            for relation in relations {
                for (path, types) in shape {
                    if let Some(member) = path.strip_prefix(&relation) {
                        link_members
                            .entry(member.to_owned())
                            .or_default()
                            .extend(types);
                    }
                }
            }
        }
        reference.link_members = link_members;
        reference
    }

    fn add(&mut self, operation: &str, status: u16, body: &Value, source: &str) {
        for element in elements(body) {
            let family = family_of(operation, status, element);
            let key = Key {
                family,
                class: class_of(status),
                kind: kind_of(family, element),
            };
            let shape = self.shapes.entry(key.clone()).or_default();
            for (path, types) in shape_of(element) {
                shape.entry(path).or_default().extend(types);
            }
            self.sources
                .entry(key)
                .or_default()
                .insert(source.to_owned());
        }
    }

    /// The shape to check `key` against, following [`ALIASES`].
    fn shape(&self, key: &Key) -> Option<(Key, &Shape)> {
        let key = ALIASES
            .iter()
            .find(|a| {
                a.family == key.family
                    && a.class == key.class
                    && a.kinds.contains(&key.kind.as_str())
            })
            .map(|a| Key {
                family: key.family,
                class: a.use_shape_of.0,
                kind: a.use_shape_of.1.to_owned(),
            })
            .unwrap_or_else(|| key.clone());
        self.shapes.get(&key).map(|shape| (key, shape))
    }
}

fn types_match(found: &str, allowed: &BTreeSet<&'static str>) -> bool {
    allowed.contains(found) || (found == "integer" && allowed.contains("number"))
}

// ----- the walk -----

enum Expect {
    Ok(u16),
    Err(u16, &'static str),
}

struct Case {
    label: String,
    operation: &'static str,
    /// Request path and query.
    path: String,
    expect: Expect,
    status: u16,
    body: Vec<u8>,
}

impl Case {
    fn json(&self) -> Result<Value, String> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| e.to_string())
    }
}

/// The operation a request belongs to, from its method and path. The push
/// activation's `poll` and `send` links count as `activate_factor`; the
/// transaction's `cancel` link (`DELETE`) is `cancel_transaction`.
fn operation_of(method: &Method, path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or_default();
    let segments: Vec<&str> = path.split('/').skip(6).collect();
    let get = *method == Method::GET;
    match segments.as_slice() {
        [] if get => "list_factors",
        [] => "enroll_factor",
        ["catalog"] => "list_supported_factors",
        ["questions"] => "list_supported_security_questions",
        [_] if get => "get_factor",
        [_] => "unenroll_factor",
        [_, "lifecycle", "activate", ..] => "activate_factor",
        [_, "resend"] => "resend_enroll_factor",
        [_, "verify"] => "verify_factor",
        [_, "transactions", _] if get => "get_factor_transaction_status",
        [_, "transactions", _] => "cancel_transaction",
        _ => "unknown_endpoint",
    }
}

struct Walk {
    sim: Simulator,
    clock: ManualClock,
    cases: Vec<Case>,
}

const GET: Method = Method::GET;
const POST: Method = Method::POST;
const DELETE: Method = Method::DELETE;
const API_TOKEN: &str = "SSWS test-token";

impl Walk {
    fn new() -> Self {
        let clock = ManualClock::default();
        Self {
            sim: Simulator::with_clock(SimulatorConfig::new(TOKEN), clock.clone()),
            clock,
            cases: Vec::new(),
        }
    }

    fn advance(&self, secs: u64) {
        self.clock.advance(Duration::from_secs(secs));
    }

    /// Sends one request and records the response as a case; returns its body.
    fn send(
        &mut self,
        (label, expect, auth): (String, Expect, &str),
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Value {
        let request = Request::builder()
            .method(method.clone())
            .uri(format!("{ORG}{path}"))
            .header("authorization", auth)
            .header("accept", "application/json")
            .header("content-type", "application/json")
            .body(body.unwrap_or_default().as_bytes().to_vec())
            .unwrap();
        let response = self.sim.handle(request);
        let case = Case {
            label,
            operation: operation_of(&method, path),
            path: path.to_owned(),
            expect,
            status: response.status().as_u16(),
            body: response.into_body(),
        };
        let value = case.json().unwrap_or(Value::Null);
        self.cases.push(case);
        value
    }

    /// `GET` expecting 200.
    fn get(&mut self, label: impl Into<String>, path: &str) -> Value {
        let what = (label.into(), Expect::Ok(200), API_TOKEN);
        self.send(what, GET, path, None)
    }

    /// `POST` expecting `status`.
    fn post(
        &mut self,
        label: impl Into<String>,
        status: u16,
        path: &str,
        body: Option<Value>,
    ) -> Value {
        let body = body.map(|b| b.to_string());
        let what = (label.into(), Expect::Ok(status), API_TOKEN);
        self.send(what, POST, path, body.as_deref())
    }

    /// `DELETE` expecting 204.
    fn delete(&mut self, label: impl Into<String>, path: &str) {
        let what = (label.into(), Expect::Ok(204), API_TOKEN);
        self.send(what, DELETE, path, None);
    }

    /// A request expecting the error `status` `code`.
    fn fail(
        &mut self,
        (label, status, code): (String, u16, &'static str),
        method: Method,
        path: &str,
        body: Option<&str>,
    ) {
        self.fail_as(API_TOKEN, (label, status, code), method, path, body);
    }

    fn fail_as(
        &mut self,
        auth: &str,
        (label, status, code): (String, u16, &'static str),
        method: Method,
        path: &str,
        body: Option<&str>,
    ) {
        self.send((label, Expect::Err(status, code), auth), method, path, body);
    }
}

fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

/// The transaction ID of a push verify (the last segment of `_links.poll`).
fn transaction_of(value: &Value) -> String {
    value["_links"]["poll"]["href"]
        .as_str()
        .and_then(|href| href.rsplit('/').next())
        .unwrap_or_else(|| panic!("no poll link in {value}"))
        .to_owned()
}

const YUBIKEY_OTP: &str = "cccccceukngdfgkukfctkcvfidnetljjiknckkcjulji";
const YUBIKEY_OTP_2: &str = "cccccceukngdfgkukfctkcvfidnetljjiknckkcjuljv";

/// Every factor type and provider the simulator supports: the enroll body.
fn enrollment(name: &str) -> Value {
    match name {
        "sms" => json!({"factorType": "sms", "provider": "OKTA",
                        "profile": {"phoneNumber": "+15554151337"}}),
        "call" => json!({"factorType": "call", "provider": "OKTA",
                         "profile": {"phoneNumber": "+15554151338", "phoneExtension": "1234"}}),
        "email" => json!({"factorType": "email", "provider": "OKTA",
                          "profile": {"email": "alice@example.com"}}),
        "question" => json!({"factorType": "question", "provider": "OKTA",
                             "profile": {"question": "disliked_food", "answer": "mayonnaise"}}),
        "totp-okta" => json!({"factorType": "token:software:totp", "provider": "OKTA"}),
        "totp-google" => json!({"factorType": "token:software:totp", "provider": "GOOGLE"}),
        "push" => json!({"factorType": "push", "provider": "OKTA"}),
        "hotp" => json!({"factorType": "token:hotp", "provider": "CUSTOM",
                         "factorProfileId": "fpr20l2mDyaUGWGCa0g4",
                         "profile": {"sharedSecret": "484f97be3213b117e3a20438e291540a"}}),
        "rsa" => json!({"factorType": "token", "provider": "RSA",
                        "profile": {"credentialId": "dade.murphy@example.com"},
                        "verify": {"passCode": "5275875498"}}),
        "symantec" => json!({"factorType": "token", "provider": "SYMANTEC",
                             "profile": {"credentialId": "VSMT14393584"},
                             "verify": {"passCode": "875498", "nextPassCode": "678195"}}),
        "yubikey" => json!({"factorType": "token:hardware", "provider": "YUBICO",
                            "verify": {"passCode": YUBIKEY_OTP}}),
        "u2f" => json!({"factorType": "u2f", "provider": "FIDO"}),
        "webauthn" => json!({"factorType": "webauthn", "provider": "FIDO"}),
        "web" => json!({"factorType": "web", "provider": "DUO"}),
        other => panic!("no enrollment {other}"),
    }
}

const QUESTION_AGAIN: &str = r#"{"factorType":"question","provider":"OKTA",
    "profile":{"question":"first_award","answer":"spelling bee"}}"#;
const INVALID_PHONE: &str =
    r#"{"factorType":"call","provider":"OKTA","profile":{"phoneNumber":"12"}}"#;
const OTHER_EMAIL: &str =
    r#"{"factorType":"email","provider":"OKTA","profile":{"email":"mallory@example.com"}}"#;
const BAD_RSA_CODE: &str = r#"{"factorType":"token","provider":"RSA",
    "profile":{"credentialId":"carol"},"verify":{"passCode":"x"}}"#;
const GOOGLE: &str = r#"{"factorType":"token:software:totp","provider":"GOOGLE"}"#;

const FACTORS: [&str; 14] = [
    "sms",
    "call",
    "email",
    "question",
    "totp-okta",
    "totp-google",
    "push",
    "hotp",
    "rsa",
    "symantec",
    "yubikey",
    "u2f",
    "webauthn",
    "web",
];

/// An expected error: label, status, `errorCode`, method, path, body.
type ErrorCase<'a> = (&'a str, u16, &'static str, Method, String, Option<&'a str>);

/// Walks every endpoint; returns the recorded cases.
fn walk() -> Vec<Case> {
    let mut w = Walk::new();
    let alice = w.sim.create_user("alice@example.com");
    let users = |id: &str| format!("/api/v1/users/{id}/factors");
    let fs = users(&alice);
    let bob_fs = users(&w.sim.create_user("bob@example.com"));
    let carol_fs = users(&w.sim.create_user("carol@example.com"));
    let dave_fs = users(&w.sim.create_user("dave@example.com"));
    let catalog = format!("{fs}/catalog");
    let questions = format!("{fs}/questions");

    // ----- a new user -----
    w.get("questions", &questions);
    w.get("catalog (new user)", &catalog);
    w.get("list (no factors)", &fs);

    // ----- enroll every type and provider -----
    let mut ids = BTreeMap::new();
    for name in FACTORS {
        let factor = w.post(format!("enroll {name}"), 200, &fs, Some(enrollment(name)));
        ids.insert(name, id_of(&factor));
    }
    let id = |name: &str| ids[name].clone();
    // Active at once (`activate=true`), a call without extension, and a push
    // activation left to time out.
    let now = format!("{bob_fs}?activate=true");
    let body = json!({"factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15554151340"}});
    w.post("enroll sms activate=true", 200, &now, Some(body));
    let body = json!({"factorType": "call", "provider": "OKTA", "profile": {"phoneNumber": "+15554151341"}});
    w.post(
        "enroll call activate=true (no extension)",
        200,
        &now,
        Some(body),
    );
    let body =
        json!({"factorType": "email", "provider": "OKTA", "profile": {"email": "bob@example.com"}});
    w.post("enroll email activate=true", 200, &now, Some(body));
    let bob_push = id_of(&w.post("enroll push (bob)", 200, &bob_fs, Some(enrollment("push"))));

    // ----- get, list, catalog while pending -----
    for name in FACTORS {
        w.get(
            format!("get {name} (enrolled)"),
            &format!("{fs}/{}", id(name)),
        );
    }
    w.get("list (enrolled)", &fs);
    w.get("catalog (pending phones)", &catalog);
    w.get("list (bob: activate=true, pending push)", &bob_fs);
    w.get(
        "catalog (bob: verified phones)",
        &format!("{bob_fs}/catalog"),
    );

    // ----- resend (after the 30 s phone throttle) -----
    w.advance(30);
    for name in ["sms", "call", "email"] {
        let resend = format!("{fs}/{}/resend", id(name));
        w.post(
            format!("resend {name}"),
            200,
            &resend,
            Some(enrollment(name)),
        );
    }

    // ----- activate -----
    let activate = |name: &str| format!("{fs}/{}/lifecycle/activate", id(name));
    for name in ["sms", "call", "email", "totp-okta", "totp-google"] {
        let code = match name {
            "sms" | "call" | "email" => w.sim.last_code(&alice, &id(name)),
            _ => w.sim.totp_code(&alice, &id(name)),
        };
        let body = json!({ "passCode": code.unwrap() });
        w.post(format!("activate {name}"), 200, &activate(name), Some(body));
    }
    let body = json!({"registrationData": "BQTEMUyOM8h1TiZG4DL", "clientData": "eyJ0eXAiOiJuYXZp"});
    w.post("activate u2f", 200, &activate("u2f"), Some(body));
    let body = json!({"attestation": "o2NmbXRmcGFja2Vk", "clientData": "eyJjaGFsbGVuZ2Ui"});
    w.post("activate webauthn", 200, &activate("webauthn"), Some(body));
    let push = activate("push");
    w.post("activate push (waiting)", 200, &push, None);
    w.post(
        "activate push: poll link (waiting)",
        200,
        &format!("{push}/poll"),
        None,
    );
    let body = json!({"profile": {"phoneNumber": "+15554151337"}});
    w.post(
        "activate push: send link sms",
        200,
        &format!("{push}/sms"),
        Some(body),
    );
    w.post(
        "activate push: send link email",
        200,
        &format!("{push}/email"),
        None,
    );
    w.sim.activate_push_device(&id("push")).unwrap();
    w.post(
        "activate push: poll link (activated)",
        200,
        &format!("{push}/poll"),
        None,
    );
    w.post("activate push (activated)", 200, &push, None);
    w.post("activate web (waiting)", 200, &activate("web"), None);
    w.sim.activate_push_device(&id("web")).unwrap();
    w.post("activate web (activated)", 200, &activate("web"), None);

    // ----- get, list, catalog once active -----
    for name in FACTORS {
        w.get(
            format!("get {name} (active)"),
            &format!("{fs}/{}", id(name)),
        );
    }
    w.get("list (active)", &fs);
    w.get("catalog (active)", &catalog);

    // ----- verify (after the phone throttle, in a new TOTP time step) -----
    w.advance(30);
    let verify = |name: &str| format!("{fs}/{}/verify", id(name));
    for name in ["sms", "call", "email"] {
        // A challenge is an empty object, or no body at all.
        let empty = (name != "call").then(|| json!({}));
        w.post(
            format!("verify {name} challenge"),
            200,
            &verify(name),
            empty,
        );
        let body = json!({ "passCode": w.sim.last_code(&alice, &id(name)).unwrap() });
        w.post(
            format!("verify {name} success"),
            200,
            &verify(name),
            Some(body),
        );
    }
    let body = json!({"answer": "Mayonnaise"});
    w.post(
        "verify question success",
        200,
        &verify("question"),
        Some(body),
    );
    for name in [
        "totp-okta",
        "totp-google",
        "hotp",
        "rsa",
        "symantec",
        "yubikey",
    ] {
        let code = match name {
            "rsa" => "1234567".to_owned(),
            "symantec" => "654321".to_owned(),
            "yubikey" => YUBIKEY_OTP_2.to_owned(),
            _ => w.sim.totp_code(&alice, &id(name)).unwrap(),
        };
        let body = json!({ "passCode": code });
        w.post(
            format!("verify {name} success"),
            200,
            &verify(name),
            Some(body.clone()),
        );
        w.post(
            format!("verify {name} replayed"),
            200,
            &verify(name),
            Some(body),
        );
    }
    w.post("verify u2f challenge", 200, &verify("u2f"), None);
    let body = json!({"clientData": "eyJ0eXAi", "signatureData": "AQAAACYwRgIh"});
    w.post("verify u2f success", 200, &verify("u2f"), Some(body));
    w.post("verify webauthn challenge", 200, &verify("webauthn"), None);
    let body = json!({"clientData": "eyJjaGFs", "signatureData": "MEUCIQ", "authenticatorData": "SZYN5YgO"});
    w.post(
        "verify webauthn success",
        200,
        &verify("webauthn"),
        Some(body),
    );
    let t_plain = transaction_of(&w.post("verify push waiting", 201, &verify("push"), None));
    let body = json!({"useNumberMatchingChallenge": true});
    let label = "verify push waiting, number matching";
    let t_nmc = transaction_of(&w.post(label, 201, &verify("push"), Some(body)));
    let t_web = transaction_of(&w.post("verify web waiting", 200, &verify("web"), None));

    // ----- transactions -----
    let tx = |name: &str, t: &str| format!("{fs}/{}/transactions/{t}", id(name));
    w.get("transaction waiting", &tx("push", &t_plain));
    w.get("transaction waiting, number matching", &tx("push", &t_nmc));
    w.get("transaction waiting (web)", &tx("web", &t_web));
    w.sim.approve_push(&t_plain).unwrap();
    w.sim.reject_push(&t_nmc).unwrap();
    w.sim.approve_push(&t_web).unwrap();
    w.get("transaction success", &tx("push", &t_plain));
    w.get("transaction rejected", &tx("push", &t_nmc));
    w.get("transaction success (web)", &tx("web", &t_web));
    let t_cancel = transaction_of(&w.post("verify push (to cancel)", 201, &verify("push"), None));
    w.delete("cancel link (DELETE transaction)", &tx("push", &t_cancel));
    w.get("transaction cancelled", &tx("push", &t_cancel));
    let t_timeout =
        transaction_of(&w.post("verify push (to time out)", 201, &verify("push"), None));
    w.advance(301);
    w.get("transaction timeout", &tx("push", &t_timeout));

    // ----- a push activation that times out (bob's, 600 s) -----
    w.advance(600);
    let bob_activate = format!("{bob_fs}/{bob_push}/lifecycle/activate");
    w.post(
        "activate push: poll link (timeout)",
        200,
        &format!("{bob_activate}/poll"),
        None,
    );
    w.get(
        "get push (activation timed out)",
        &format!("{bob_fs}/{bob_push}"),
    );
    w.post("activate push (restarted)", 200, &bob_activate, None);

    // ----- 401, 429 (rate limit) and 404 for every operation -----
    let nobody = users("00uNOBODY0000000000");
    let sms_body = enrollment("sms").to_string();
    let endpoints = [
        (GET, fs.clone(), nobody.clone()),
        (POST, fs.clone(), nobody.clone()),
        (GET, catalog.clone(), format!("{nobody}/catalog")),
        (GET, questions.clone(), format!("{nobody}/questions")),
        (
            GET,
            format!("{fs}/{}", id("question")),
            format!("{fs}/ufsNOPE"),
        ),
        (
            DELETE,
            format!("{fs}/{}", id("question")),
            format!("{fs}/ufsNOPE"),
        ),
        (
            POST,
            activate("push"),
            format!("{fs}/ufsNOPE/lifecycle/activate"),
        ),
        (
            POST,
            format!("{fs}/{}/resend", id("sms")),
            format!("{fs}/mblNOPE/resend"),
        ),
        (POST, verify("question"), format!("{fs}/ufsNOPE/verify")),
        (GET, tx("push", &t_plain), tx("push", "v2mst.NOPE")),
        (DELETE, tx("push", &t_plain), tx("push", "v2mst.NOPE")),
    ];
    for (method, path, missing) in endpoints {
        let op = operation_of(&method, &path);
        let body = (method == POST).then_some(sms_body.as_str());
        let what = (format!("{op} 401"), 401, "E0000011");
        w.fail_as("SSWS wrong-token", what, method.clone(), &path, body);
        w.sim.inject(Fault::RateLimitStorm { count: 1 });
        let what = (format!("{op} 429 (rate limit)"), 429, "E0000047");
        w.fail(what, method.clone(), &path, body);
        w.fail(
            (format!("{op} 404"), 404, "E0000007"),
            method,
            &missing,
            body,
        );
    }
    let bearer = format!("Bearer {TOKEN}");
    let what = (
        "questions 401 (Bearer token: API tokens only)".to_owned(),
        401,
        "E0000011",
    );
    w.fail_as(&bearer, what, GET, &questions, None);

    // ----- 400, 403, 405, 429 (throttles) where the operation has them -----
    let factor = |name: &str| format!("{fs}/{}", id(name));
    let carol_sms = json!({"factorType": "sms", "provider": "OKTA",
                           "profile": {"phoneNumber": "+15554151350"}});
    let carol = w.post(
        "enroll sms (carol)",
        200,
        &carol_fs,
        Some(carol_sms.clone()),
    );
    let carol_factor = format!("{carol_fs}/{}", id_of(&carol));
    let carol_activate = format!("{carol_factor}/lifecycle/activate");
    let carol_sms = carol_sms.to_string();
    let resend = |f: &str| format!("{f}/resend");
    let (e1, e68) = ("E0000001", "E0000068");
    #[rustfmt::skip]
    let errors: Vec<ErrorCase<'_>> = vec![
        ("unknown endpoint 404", 404, "E0000007", GET, format!("{fs}/{}/nope", id("sms")), None),
        ("catalog 405 (DELETE)", 405, "E0000022", DELETE, catalog.clone(), None),
        ("enroll 400 (already set up)", 400, e1, POST, fs.clone(), Some(QUESTION_AGAIN)),
        ("enroll 400 (invalid phone)", 400, e1, POST, carol_fs.clone(), Some(INVALID_PHONE)),
        ("enroll 400 (unverified email: no causes)", 400, e1, POST, carol_fs.clone(), Some(OTHER_EMAIL)),
        ("enroll 400 (malformed JSON)", 400, e1, POST, carol_fs.clone(), Some("{")),
        ("enroll 400 (no factorType)", 400, e1, POST, carol_fs.clone(), Some("{}")),
        ("enroll 403 (bad token code)", 403, e68, POST, carol_fs.clone(), Some(BAD_RSA_CODE)),
        ("enroll 429 (sms recently sent)", 429, "E0000109", POST, dave_fs.clone(), Some(&carol_sms)),
        ("resend 400 (not an OTP factor)", 400, e1, POST, resend(&factor("totp-google")), Some(GOOGLE)),
        ("resend 400 (already active)", 400, e1, POST, resend(&factor("sms")), Some(&sms_body)),
        ("resend 429 (sms recently sent)", 429, "E0000109", POST, resend(&carol_factor), Some(&carol_sms)),
        ("activate 400 (already active)", 400, e1, POST, activate("sms"), Some(r#"{"passCode":"1"}"#)),
        ("activate 400 (send link of an active push)", 400, e1, POST, format!("{push}/email"), None),
        ("activate 403 (wrong passcode #1)", 403, e68, POST, carol_activate.clone(), Some(r#"{"passCode":"1"}"#)),
        ("activate 403 (wrong passcode #2)", 403, e68, POST, carol_activate.clone(), Some(r#"{"passCode":"2"}"#)),
        ("activate 403 (wrong passcode #3)", 403, e68, POST, carol_activate.clone(), Some(r#"{"passCode":"3"}"#)),
        ("activate 403 (wrong passcode #4)", 403, e68, POST, carol_activate.clone(), Some(r#"{"passCode":"4"}"#)),
        ("activate 403 (wrong passcode #5)", 403, e68, POST, carol_activate.clone(), Some(r#"{"passCode":"5"}"#)),
        ("activate 429 (too many attempts)", 429, "E0000047", POST, carol_activate.clone(), Some(r#"{"passCode":"6"}"#)),
        ("verify 400 (factor not active)", 400, e1, POST, format!("{bob_fs}/{bob_push}/verify"), None),
        ("verify 400 (bad tokenLifetimeSeconds)", 400, e1, POST, format!("{}?tokenLifetimeSeconds=0", verify("sms")), None),
        ("verify 403 (wrong passcode)", 403, e68, POST, verify("totp-okta"), Some(r#"{"passCode":"000000"}"#)),
        ("verify 403 (wrong answer)", 403, e68, POST, verify("question"), Some(r#"{"answer":"nope nope"}"#)),
    ];
    for (label, status, code, method, path, body) in errors {
        w.fail((label.to_owned(), status, code), method, &path, body);
    }
    // The OTP throttles of verify: a challenge, then one too soon.
    for (name, code) in [
        ("sms", "E0000109"),
        ("email", "E0000118"),
        ("call", "E0000047"),
    ] {
        w.post(
            format!("verify {name} challenge (before a throttle)"),
            200,
            &verify(name),
            None,
        );
        let what = (format!("verify 429 ({name} recently sent)"), 429, code);
        w.fail(what, POST, &verify(name), None);
    }
    w.sim.inject(Fault::ServerError { count: 1 });
    let what = ("get 500 (injected)".to_owned(), 500, "E0000009");
    w.fail(what, GET, &format!("{fs}/{}", id("question")), None);

    // ----- Okta FastPass (signed_nonce): only a seeded org holds it -----
    let seeded = w.sim.seed_users(60, 42);
    let fastpass = seeded
        .iter()
        .find_map(|u| {
            w.sim
                .factors(u)
                .into_iter()
                .find(|f| f.factor_type.to_string() == "signed_nonce")
                .map(|f| (users(u), f.id))
        })
        .expect("a seeded FastPass user");
    let (fp_fs, fp) = fastpass;
    w.get("list (seeded Okta Verify user with FastPass)", &fp_fs);
    w.get("get signed_nonce", &format!("{fp_fs}/{fp}"));
    let cannot: [ErrorCase<'_>; 3] = [
        (
            "enroll signed_nonce (not through this API)",
            400,
            "E0000001",
            POST,
            fp_fs.clone(),
            Some(r#"{"factorType":"signed_nonce","provider":"OKTA"}"#),
        ),
        (
            "activate signed_nonce (not through this API)",
            400,
            "E0000001",
            POST,
            format!("{fp_fs}/{fp}/lifecycle/activate"),
            None,
        ),
        (
            "verify signed_nonce (not through this API)",
            400,
            "E0000001",
            POST,
            format!("{fp_fs}/{fp}/verify"),
            None,
        ),
    ];
    for (label, status, code, method, path, body) in cannot {
        w.fail((label.to_owned(), status, code), method, &path, body);
    }
    w.delete(
        "unenroll signed_nonce (and Okta Verify)",
        &format!("{fp_fs}/{fp}"),
    );
    w.get("list (FastPass user after unenroll)", &fp_fs);

    // ----- unenroll every factor -----
    for name in FACTORS {
        // (Unenrolling push also unenrolls the Okta Verify TOTP: that one comes first.)
        let query = if name == "sms" {
            "?removeRecoveryEnrollment=true"
        } else {
            ""
        };
        w.delete(
            format!("unenroll {name}"),
            &format!("{fs}/{}{query}", id(name)),
        );
    }
    let what = ("get 404 (after unenroll)".to_owned(), 404, "E0000007");
    w.fail(what, GET, &format!("{fs}/{}", id("sms")), None);
    w.get("list (all unenrolled)", &fs);
    w.cases
}

// ----- the checks -----

struct Failure {
    case: usize,
    path: String,
    problem: String,
    /// The reference shape involved, if any.
    key: Option<Key>,
}

/// Which operations answer a JSON array.
fn is_list(operation: &str) -> bool {
    matches!(
        operation,
        "list_factors" | "list_supported_factors" | "list_supported_security_questions"
    )
}

/// The types [`EXTRAS`] allows at `path`: an extra of that path, or a member
/// of an extra link relation (with the types of that member in the
/// reference's link objects).
fn extra_types(
    family: &str,
    kind: &str,
    path: &str,
    reference: &Reference,
) -> Option<BTreeSet<&'static str>> {
    let extras = EXTRAS
        .iter()
        .filter(|e| e.family == family && kind_matches(e.kind, kind));
    for extra in extras {
        if extra.path == path {
            return Some(extra.types.iter().copied().collect());
        }
        let member = path
            .strip_prefix(extra.path)
            .and_then(|rest| rest.strip_prefix('.'));
        if let (Some(member), true) = (member, extra.types.contains(&"link")) {
            return reference.link_members.get(member).cloned();
        }
    }
    None
}

/// The required members of one body of `family`.
fn required(family: &str, kind: &str) -> Vec<(&'static str, &'static [&'static str])> {
    const STR: &[&str] = &["string"];
    let mut members: Vec<(&'static str, &'static [&'static str])> = match family {
        "factor" => vec![
            ("id", STR),
            ("factorType", STR),
            ("provider", STR),
            ("status", STR),
            ("_links", &["object"]),
        ],
        "error" => vec![
            ("errorCode", STR),
            ("errorSummary", STR),
            ("errorLink", STR),
            ("errorId", STR),
            ("errorCauses", &["array"]),
        ],
        "verify" | "transaction" | "activation" => vec![("factorResult", STR)],
        "catalog" => vec![
            ("factorType", STR),
            ("provider", STR),
            ("_links.enroll", &["link"]),
        ],
        "question" => vec![("question", STR), ("questionText", STR)],
        _ => Vec::new(),
    };
    if kind == "WAITING" && family != "factor" {
        members.push(("expiresAt", STR));
        members.push(("_links.poll", &["link"]));
    }
    members
}

fn check(
    index: usize,
    case: &Case,
    reference: &Reference,
    factor_types: &BTreeMap<String, String>,
    out: &mut Vec<Failure>,
) {
    let mut fail = |path: &str, problem: String, key: Option<&Key>| {
        out.push(Failure {
            case: index,
            path: path.to_owned(),
            problem,
            key: key.cloned(),
        })
    };
    // Status codes.
    let (want_status, want_code) = match case.expect {
        Expect::Ok(s) => (s, None),
        Expect::Err(s, c) => (s, Some(c)),
    };
    if case.status != want_status {
        fail(
            "<status>",
            format!("status {} (expected {want_status})", case.status),
            None,
        );
    }
    match (case.operation, &case.expect) {
        ("enroll_factor", Expect::Ok(s)) if *s != 200 => {
            fail("<status>", "enroll succeeds with 200".to_owned(), None)
        }
        ("unenroll_factor" | "cancel_transaction", Expect::Ok(s)) if *s != 204 => {
            fail("<status>", "unenroll succeeds with 204".to_owned(), None)
        }
        _ => {}
    }
    if case.status == 204 {
        if !case.body.is_empty() {
            fail("<body>", "204 with a body".to_owned(), None);
        }
        return;
    }
    let body = match case.json() {
        Ok(Value::Null) => return fail("<body>", "no JSON body".to_owned(), None),
        Ok(body) => body,
        Err(e) => return fail("<body>", format!("not JSON: {e}"), None),
    };
    if let Some(code) = want_code {
        if body["errorCode"] != code {
            fail(
                "errorCode",
                format!("errorCode {} (expected {code})", body["errorCode"]),
                None,
            );
        }
    }
    let list = is_list(case.operation) && case.status < 300;
    if list != body.is_array() {
        let want = if list { "array" } else { "object" };
        fail("<root>", format!("the body must be a JSON {want}"), None);
        return;
    }
    for (n, element) in elements(&body).into_iter().enumerate() {
        let at = if list {
            format!("[{n}] ")
        } else {
            String::new()
        };
        let family = family_of(case.operation, case.status, element);
        let key = Key {
            family,
            class: class_of(case.status),
            kind: kind_of(family, element),
        };
        if !element.is_object() {
            fail("<root>", format!("{at}not a JSON object"), Some(&key));
            continue;
        }
        // Verify answers 201 for push, 200 for every other factor type.
        if case.operation == "verify_factor" && case.status < 300 {
            let factor_type = case
                .path
                .split('/')
                .nth(6)
                .and_then(|id| factor_types.get(id))
                .map_or("<unknown>", String::as_str);
            let want = if factor_type == "push" { 201 } else { 200 };
            if case.status != want {
                fail(
                    "<status>",
                    format!("verify of a {factor_type} factor answers {want}"),
                    Some(&key),
                );
            }
        }
        let shape = shape_of(element);
        for (member, types) in required(family, &key.kind) {
            match shape.get(member) {
                None => fail(
                    member,
                    format!("{at}required member missing ({key})"),
                    Some(&key),
                ),
                Some(found) if !found.iter().all(|t| types.contains(t)) => fail(
                    member,
                    format!("{at}required member has type {found:?}, expected {types:?}"),
                    Some(&key),
                ),
                Some(_) => {}
            }
        }
        let Some((used, reference_shape)) = reference.shape(&key) else {
            fail(
                "<shape>",
                format!("{at}no reference shape for {key}"),
                Some(&key),
            );
            continue;
        };
        let via = if used == key {
            String::new()
        } else {
            format!(" (alias of {key})")
        };
        for (path, found) in &shape {
            let allowed: BTreeSet<&'static str> = match reference_shape.get(path) {
                Some(types) => types.clone(),
                None => match extra_types(family, &key.kind, path, reference) {
                    Some(types) => types,
                    None => {
                        fail(
                            path,
                            format!("{at}not in the reference shape {used}{via}"),
                            Some(&key),
                        );
                        continue;
                    }
                },
            };
            for ty in found {
                if !types_match(ty, &allowed) {
                    fail(
                        path,
                        format!("{at}type {ty}, reference {used} has {allowed:?}"),
                        Some(&key),
                    );
                }
            }
        }
    }
}

fn describe(case: &Case) -> String {
    let body = case
        .json()
        .map(|v| serde_json::to_string(&v).unwrap())
        .unwrap_or_else(|_| String::from_utf8_lossy(&case.body).into_owned());
    format!(
        "{} `{}` -> {}: {body}",
        case.operation, case.label, case.status
    )
}

/// Checks every case against the reference.
fn check_all(cases: &[Case], reference: &Reference) -> Vec<Failure> {
    // factor ID -> factorType, from every factor the simulator returned.
    let factor_types: BTreeMap<String, String> = cases
        .iter()
        .filter(|c| c.status < 300)
        .filter_map(|c| c.json().ok())
        .flat_map(|body| match body {
            Value::Array(items) => items,
            other => vec![other],
        })
        .filter_map(|f| {
            Some((
                f["id"].as_str()?.to_owned(),
                f["factorType"].as_str()?.to_owned(),
            ))
        })
        .collect();
    let mut failures = Vec::new();
    for (index, case) in cases.iter().enumerate() {
        check(index, case, reference, &factor_types, &mut failures);
    }
    failures
}

/// What the walk must cover, per operation: `"<status>"`, `"<status> <kind>"`
/// or, for factors, `"<status> <factorType> [<provider>]"`.
#[rustfmt::skip]
const COVERAGE: &[(&str, &[&str])] = &[
    ("list_factors", &[
        "200", "200 sms ACTIVE", "200 push PENDING_ACTIVATION", "200 signed_nonce ACTIVE",
        "401", "404", "429",
    ]),
    ("enroll_factor", &[
        "200 sms", "200 call", "200 email", "200 question", "200 token:software:totp OKTA",
        "200 token:software:totp GOOGLE", "200 push", "200 token:hotp", "200 token RSA",
        "200 token SYMANTEC", "200 token:hardware", "200 u2f", "200 webauthn", "200 web",
        "200 sms ACTIVE", "400", "401", "403", "404", "429",
    ]),
    ("list_supported_factors", &["200", "200 sms", "401", "404", "429"]),
    ("list_supported_security_questions", &["200", "401", "404", "429"]),
    ("get_factor", &[
        "200 sms", "200 call", "200 email", "200 question", "200 token:software:totp OKTA",
        "200 token:software:totp GOOGLE", "200 push", "200 token:hotp", "200 token RSA",
        "200 token SYMANTEC", "200 token:hardware", "200 u2f", "200 webauthn", "200 web",
        "200 signed_nonce", "401", "404", "429",
    ]),
    ("unenroll_factor", &["204", "401", "404", "429"]),
    ("activate_factor", &[
        "200 sms ACTIVE", "200 call ACTIVE", "200 email ACTIVE", "200 token:software:totp OKTA",
        "200 token:software:totp GOOGLE", "200 u2f ACTIVE", "200 webauthn ACTIVE",
        "200 push ACTIVE", "200 web ACTIVE", "200 WAITING", "200 TIMEOUT",
        "400", "401", "403", "404", "429",
    ]),
    ("resend_enroll_factor", &["200 sms", "200 call", "200 email", "400", "401", "404", "429"]),
    ("verify_factor", &[
        "200 CHALLENGE", "200 SUCCESS", "200 PASSCODE_REPLAYED", "201 WAITING", "200 WAITING",
        "400", "401", "403", "404", "429",
    ]),
    ("get_factor_transaction_status", &[
        "200 WAITING", "200 SUCCESS", "200 REJECTED", "200 TIMEOUT", "401", "404", "429",
    ]),
];

/// What the walk covered, per operation (see [`COVERAGE`]).
fn coverage(cases: &[Case]) -> BTreeMap<&'static str, BTreeSet<String>> {
    let mut covered: BTreeMap<&'static str, BTreeSet<String>> = BTreeMap::new();
    for case in cases {
        let items = covered.entry(case.operation).or_default();
        items.insert(case.status.to_string());
        let Ok(body) = case.json() else { continue };
        for element in elements(&body) {
            let family = family_of(case.operation, case.status, element);
            let kind = kind_of(family, element);
            items.insert(format!("{} {kind}", case.status));
            if family == "factor" {
                let (t, p) = (&element["factorType"], &element["provider"]);
                let (t, p) = (t.as_str().unwrap_or("?"), p.as_str().unwrap_or("?"));
                items.insert(format!("{} {t}", case.status));
                items.insert(format!("{} {t} {p}", case.status));
            }
        }
    }
    covered
}

#[test]
fn every_response_matches_the_spec_shape() {
    let reference = Reference::load();
    let cases = walk();
    let failures = check_all(&cases, &reference);

    // Known deviations: expected failures, each must still occur.
    let mut unexpected: BTreeMap<usize, Vec<&Failure>> = BTreeMap::new();
    let mut seen = vec![false; KNOWN_DEVIATIONS.len()];
    for failure in &failures {
        let label = cases[failure.case].label.as_str();
        match KNOWN_DEVIATIONS
            .iter()
            .position(|d| d.case == label && d.path == failure.path)
        {
            Some(i) => seen[i] = true,
            None => unexpected.entry(failure.case).or_default().push(failure),
        }
    }
    let mut report = String::new();
    let mut keys = BTreeSet::new();
    for (index, list) in &unexpected {
        writeln!(report, "\n{}", describe(&cases[*index])).unwrap();
        for failure in list {
            writeln!(report, "    `{}`: {}", failure.path, failure.problem).unwrap();
            keys.extend(failure.key.clone());
        }
    }
    for key in keys {
        let key = reference.shape(&key).map_or(key, |(used, _)| used);
        let sources = reference.sources.get(&key).map(|s| s.len()).unwrap_or(0);
        let files = reference.sources.get(&key).into_iter().flatten();
        let files: Vec<&str> = files.map(String::as_str).collect();
        writeln!(report, "\nreference {key}: {sources} examples {files:?}").unwrap();
    }
    for (deviation, seen) in KNOWN_DEVIATIONS.iter().zip(&seen) {
        if !*seen {
            writeln!(
                report,
                "\nKNOWN_DEVIATIONS entry no longer fails (remove it): `{}` `{}` ({})",
                deviation.case, deviation.path, deviation.why
            )
            .unwrap();
        }
    }
    assert!(
        report.is_empty(),
        "{} of {} responses do not match the spec's shapes:{report}",
        unexpected.len(),
        cases.len()
    );

    // The walk stays complete.
    let covered = coverage(&cases);
    for (operation, items) in COVERAGE {
        let have = covered.get(operation).cloned().unwrap_or_default();
        let missing: Vec<_> = items.iter().filter(|i| !have.contains(**i)).collect();
        assert!(
            missing.is_empty(),
            "{operation}: the walk no longer covers {missing:?}"
        );
    }
    let per_operation: Vec<String> = covered
        .keys()
        .map(|op| {
            format!(
                "{op}: {}",
                cases.iter().filter(|c| c.operation == *op).count()
            )
        })
        .collect();
    println!(
        "{} responses checked ({})",
        cases.len(),
        per_operation.join(", ")
    );
}

/// A case as the walk would record it.
fn synthetic(
    label: &str,
    method: Method,
    path: &str,
    expect: Expect,
    status: u16,
    body: Value,
) -> Case {
    Case {
        label: label.to_owned(),
        operation: operation_of(&method, path),
        path: path.to_owned(),
        expect,
        status,
        body: if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        },
    }
}

/// The check itself catches what it claims to: unknown paths, wrong types,
/// missing required members, wrong status codes, bodies on 204.
#[test]
fn the_check_reports_every_offending_path() {
    let reference = Reference::load();
    let fs = "/api/v1/users/00u1/factors";
    let link = json!({"href": "https://x/y", "hints": {"allow": ["GET"]}});
    let ok = Expect::Ok;
    let cases = [
        // A conforming ACTIVE push factor: no failures.
        synthetic(
            "push",
            GET,
            &format!("{fs}/opf1"),
            ok(200),
            200,
            json!({
                "id": "opf1", "factorType": "push", "provider": "OKTA", "status": "ACTIVE",
                "_links": {"self": link, "verify": link},
            }),
        ),
        synthetic(
            "enroll",
            POST,
            fs,
            ok(200),
            200,
            json!({
                "id": 7, "factorType": "sms", "status": "PENDING_ACTIVATION",
                "profile": {"phoneNumber": "+15554151337", "answer": "secret"},
                "_links": {"self": "https://x/y", "resend": [link], "user": link},
            }),
        ),
        // Expected 200 and got it, but push verify answers 201.
        synthetic(
            "push verify",
            POST,
            &format!("{fs}/opf1/verify"),
            ok(200),
            200,
            json!({
                "factorResult": "WAITING", "_links": {"cancel": link},
            }),
        ),
        synthetic(
            "error",
            GET,
            fs,
            Expect::Err(404, "E0000007"),
            404,
            json!({
                "errorCode": "E0000007", "errorSummary": "Not found", "errorLink": "E0000007",
                "errorId": "oae1", "errorCauses": {},
            }),
        ),
        synthetic(
            "unenroll",
            DELETE,
            &format!("{fs}/opf1"),
            ok(204),
            204,
            json!({}),
        ),
        synthetic("list", GET, fs, ok(200), 200, json!({"id": "x"})),
    ];
    let failures = check_all(&cases, &reference);
    let found: BTreeSet<(&str, &str)> = failures
        .iter()
        .map(|f| (cases[f.case].label.as_str(), f.path.as_str()))
        .collect();
    let expected = BTreeSet::from([
        ("enroll", "id"),               // a number, not a string
        ("enroll", "provider"),         // required, missing
        ("enroll", "profile.answer"),   // in no pending sms example
        ("enroll", "_links.self"),      // a link is an object or an array of them
        ("push verify", "<status>"),    // push verify answers 201
        ("push verify", "expiresAt"),   // required for WAITING
        ("push verify", "_links.poll"), // required for WAITING
        ("error", "errorCauses"),       // an array
        ("unenroll", "<body>"),         // 204 without a body
        ("list", "<root>"),             // a list answers an array
    ]);
    assert_eq!(found, expected);
}
