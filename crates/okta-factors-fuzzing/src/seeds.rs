//! The seed corpus of every target, made from the core's spec examples
//! (`tests/fixtures/spec/`) and wire vectors (`tests/fixtures/vectors/`) plus a
//! few hand-written hostile cases. `examples/seed-corpus.rs` writes them to
//! `fuzz/corpus/<target>/seed-*`; regression files (`regress-*`) are added by
//! hand and never touched by the generator.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::build::BuildInput;
use crate::input::{Bytes, Encode, HeaderList, Text};
use crate::policies::{PolicyInput, PolicyResponse, Responses};
use crate::response::RawResponse;
use crate::sim::{encode_request, encode_steps};

/// One seed file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// The target (directory under `fuzz/corpus/`).
    pub target: &'static str,
    /// The file name (starts with `seed-`).
    pub name: String,
    /// The contents.
    pub data: Vec<u8>,
}

/// The core's `tests/fixtures` directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../okta-factors-core/tests/fixtures")
}

/// The repository's `fuzz/` directory.
pub fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// Every `*.json` fixture of `sub` (`spec` or `vectors`), by file stem, sorted.
pub fn load_fixtures(sub: &str) -> Result<Vec<(String, Value)>, String> {
    let dir = fixtures_dir().join(sub);
    let mut out = Vec::new();
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{stem}: {e}"))?;
        let value = serde_json::from_str(&text).map_err(|e| format!("{stem}: {e}"))?;
        out.push((stem.to_owned(), value));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The body of a fixture member as bytes: a string as is, JSON otherwise,
/// `null` (or missing) as empty.
pub fn body_bytes(body: Option<&Value>) -> Vec<u8> {
    match body {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(other) => other.to_string().into_bytes(),
    }
}

struct Corpus {
    seeds: Vec<Seed>,
    seen: HashSet<(&'static str, Vec<u8>)>,
}

impl Corpus {
    /// Adds a seed unless the target already has one with the same bytes.
    fn add(&mut self, target: &'static str, name: &str, data: Vec<u8>) {
        if self.seen.insert((target, data.clone())) {
            let name: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect();
            self.seeds.push(Seed {
                target,
                name: format!("seed-{name}"),
                data,
            });
        }
    }
}

/// All seeds of all targets.
pub fn seeds() -> Result<Vec<Seed>, String> {
    let spec = load_fixtures("spec")?;
    let vectors = load_fixtures("vectors")?;
    let mut corpus = Corpus {
        seeds: Vec::new(),
        seen: HashSet::new(),
    };
    parse_response_seeds(&mut corpus, &spec, &vectors);
    model_seeds(&mut corpus, &spec, &vectors);
    build_seeds(&mut corpus, &vectors);
    sim_seeds(&mut corpus, &spec, &vectors);
    policy_seeds(&mut corpus, &vectors);
    for (name, input) in crate::oauth::seed_inputs() {
        corpus.add("oauth", name, input.to_bytes());
    }
    for (name, data) in crate::oauth::simulator_token_seeds() {
        corpus.add("simulator_handle", name, data);
    }
    Ok(corpus.seeds)
}

fn status_of(v: &Value) -> u16 {
    v.as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(200)
}

fn parse_response_seeds(c: &mut Corpus, spec: &[(String, Value)], vectors: &[(String, Value)]) {
    // (operation, status) pairs the vectors cover with real responses; the
    // spec examples fill in the others (model_roundtrip has all of them).
    let covered: HashSet<(String, u16)> = vectors
        .iter()
        .filter(|(_, v)| v["response"].is_object())
        .map(|(_, v)| {
            let op = v["operation"].as_str().unwrap_or_default().to_owned();
            (op, status_of(&v["response"]["status"]))
        })
        .collect();
    let mut seen_bodies = HashSet::new();
    for (name, f) in spec {
        if f["kind"] != "response" {
            continue;
        }
        let op = f["operation"].as_str().unwrap_or_default().to_owned();
        if covered.contains(&(op, status_of(&f["status"]))) {
            continue;
        }
        let status = status_of(&f["status"]);
        let body = body_bytes(f.get("wire_body"));
        // The shared error responses repeat under every operation, and the
        // vectors have real ones: keep only the success examples.
        if status >= 300 || !seen_bodies.insert((status, body.clone())) {
            continue;
        }
        let mut headers = vec![
            ("content-type", "application/json"),
            ("x-okta-request-id", "X0f4RnNPapvRLvhscmTkBgAABqk"),
        ];
        if status == 429 {
            headers.extend([
                ("date", "Fri, 01 Jan 2021 00:00:00 GMT"),
                ("x-rate-limit-limit", "600"),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", "1609459260"),
            ]);
        }
        c.add(
            "parse_response",
            &format!("spec-{name}"),
            RawResponse::encode(status, &headers, &body),
        );
    }
    for (name, v) in vectors {
        let Some(response) = v.get("response").filter(|r| r.is_object()) else {
            continue;
        };
        let status = status_of(&response["status"]);
        let body = body_bytes(response.get("body"));
        let mut headers: Vec<(String, String)> = response["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| {
                        (
                            k.to_ascii_lowercase(),
                            v.as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !body.is_empty() && !headers.iter().any(|(k, _)| k == "content-type") {
            headers.push(("content-type".into(), "application/json".into()));
        }
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        c.add(
            "parse_response",
            &format!("vec-{name}"),
            RawResponse::encode(status, &headers, &body),
        );
    }
    let html = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>\xe2\x80\x94 upstream \xff\xfe down\r\n</body></html>";
    let long_non_ascii = "\u{00e9}".repeat(300);
    type Extra<'a> = (&'a str, u16, Vec<(&'a str, &'a str)>, Vec<u8>);
    let extras: [Extra<'_>; 10] = [
        ("html-502", 502, vec![("content-type", "text/html")], html.to_vec()),
        (
            "oauth-401",
            401,
            vec![("content-type", "application/json"), ("www-authenticate", "Bearer error=\"invalid_token\"")],
            br#"{"error":"invalid_token","error_description":"The access token is invalid."}"#.to_vec(),
        ),
        ("empty-204", 204, vec![], Vec::new()),
        ("empty-500", 500, vec![("content-length", "0")], Vec::new()),
        (
            "text-200-secret",
            200,
            vec![("content-type", "text/plain")],
            b"sharedSecret=JBSWY3DPEHPK3PXP1234".to_vec(),
        ),
        (
            "redirect-302",
            302,
            vec![("location", "https://evil.example/login")],
            b"Found".to_vec(),
        ),
        ("continue-100", 100, vec![], Vec::new()),
        (
            "non-ascii-excerpt-418",
            418,
            vec![("content-type", "text/plain; charset=utf-8")],
            long_non_ascii.into_bytes(),
        ),
        (
            "json-vendor-type-200",
            200,
            vec![("content-type", "application/vnd.okta+json; charset=UTF-8")],
            br#"{"factorResult":"SUCCESS"}"#.to_vec(),
        ),
        (
            "rate-limit-folded-429",
            429,
            vec![
                ("x-rate-limit-limit", "0, 600"),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", "1609459260,1609459200"),
                ("date", "Fri, 01 Jan 2021 00:00:00 GMT"),
            ],
            br#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorLink":"E0000047","errorId":"oaeabc","errorCauses":{"errorSummary":"one"}}"#.to_vec(),
        ),
    ];
    for (name, status, headers, body) in extras {
        c.add(
            "parse_response",
            &format!("extra-{name}"),
            RawResponse::encode(status, &headers, &body),
        );
    }
}

fn model_seeds(c: &mut Corpus, spec: &[(String, Value)], vectors: &[(String, Value)]) {
    for (name, f) in spec {
        let body = body_bytes(f.get("wire_body"));
        if !body.is_empty() {
            c.add("model_roundtrip", &format!("spec-{name}"), body);
        }
    }
    // Success bodies of the vectors (the spec has the error bodies).
    for (name, v) in vectors {
        let response = &v["response"];
        let body = response.get("body");
        if status_of(&response["status"]) < 300
            && body.is_some_and(|b| b.is_object() || b.is_array())
        {
            c.add("model_roundtrip", &format!("vec-{name}"), body_bytes(body));
        }
    }
    let extras = [
        (
            "unknown-factor-type",
            json!({"id":"xyz1","factorType":"holo:gram","provider":"ACME","status":"ACTIVE","profile":{"beam":[1,2.5,{"token":"s3cr3tvalue123"}]},"_links":{"self":[{"href":"https://x.okta.com/a"},{"href":"https://x.okta.com/b"}]},"zzz":null}),
        ),
        (
            "hotp-alias",
            json!({"id":"chf1","factorType":"token:hotp","provider":"CUSTOM","vendorName":"Acme","profile":{"credentialId":"u@example.com"},"status":"ACTIVE"}),
        ),
        (
            "links-array-and-object",
            json!({"factorResult":"WAITING","_links":{"poll":[{"href":"https://x.okta.com/p","hints":{"allow":["GET"]}}],"cancel":{"href":"https://x.okta.com/c","hints":{"allow":["DELETE"]}}},"_embedded":{"challenge":{"correctAnswer":42}}}),
        ),
        (
            "error-causes-string",
            json!({"errorCode":"E0000001","errorSummary":"Api validation failed","errorCauses":"one cause"}),
        ),
        (
            "error-causes-null",
            json!({"errorCode":"E0000001","errorCauses":null,"extra":true}),
        ),
        (
            "numbers",
            json!({"factorResult":"SUCCESS","profile":{"n":-0.0,"big":18446744073709551615u64,"neg":-9223372036854775808i64,"f":1.5e300,"tiny":5e-324}}),
        ),
        (
            "unknown-result",
            json!({"factorResult":"SOMETHING_NEW","factorResultMessage":"?"}),
        ),
        (
            "activate-waiting",
            json!({"factorResult":"WAITING","_links":{"poll":{"href":"https://x.okta.com/api/v1/users/u/factors/f/lifecycle/activate/poll","hints":{"allow":["POST"]}}},"_embedded":{"activation":{"expiresAt":"2015-11-13T07:44:22.000Z","factorResult":"WAITING"}}}),
        ),
    ];
    for (name, value) in extras {
        c.add(
            "model_roundtrip",
            &format!("extra-{name}"),
            value.to_string().into_bytes(),
        );
    }
    c.add(
        "model_roundtrip",
        "extra-duplicate-keys",
        br#"{"factorType":"sms","factorType":"call","id":"a","id":"b"}"#.to_vec(),
    );
}

/// `(user, factor, transaction)` of a vector's request path.
fn path_ids(path: &str) -> (String, String, String) {
    let segments: Vec<&str> = path.split('/').collect();
    let after = |name: &str| {
        segments
            .iter()
            .position(|s| *s == name)
            .and_then(|i| segments.get(i + 1))
            .map_or(String::new(), |s| (*s).to_owned())
    };
    (after("users"), after("factors"), after("transactions"))
}

fn build_seeds(c: &mut Corpus, vectors: &[(String, Value)]) {
    let mut shapes = HashSet::new();
    for (name, v) in vectors {
        let r = &v["request"];
        let (user, factor, tx) = path_ids(r["path"].as_str().unwrap_or_default());
        let query = |k: &str| r["query"].get(k).and_then(Value::as_str).map(str::to_owned);
        let header = |k: &str| {
            r["headers"]
                .as_object()
                .and_then(|h| h.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)))
                .and_then(|(_, v)| v.as_str())
                .map(Text::from)
        };
        let body = &r["body"];
        let input = BuildInput {
            org_choice: 0,
            org: None,
            token: None,
            bearer: false,
            user_id: Text(user),
            factor_id: Text(if factor == "catalog" || factor == "questions" {
                "mbl1".into()
            } else {
                factor
            }),
            transaction_id: Text(if tx.is_empty() {
                "v2mst.GldKV5VxTrifyeZmWSQguA".into()
            } else {
                tx
            }),
            template_id: query("templateId").map(Text),
            token_lifetime_seconds: query("tokenLifetimeSeconds").and_then(|s| s.parse().ok()),
            update_phone: query("updatePhone").map(|s| s == "true"),
            activate: query("activate").map(|s| s == "true"),
            remove_recovery_enrollment: None,
            forwarded_for: header("X-Forwarded-For"),
            user_agent: header("User-Agent"),
            accept_language: header("Accept-Language"),
            phone_number: Text(
                body.pointer("/profile/phoneNumber")
                    .and_then(Value::as_str)
                    .unwrap_or("+15555550100")
                    .to_owned(),
            ),
            pass_code: body.get("passCode").and_then(Value::as_str).map(Text::from),
        };
        // One seed per combination of parameters that are set.
        let shape = (
            input.template_id.is_some(),
            input.token_lifetime_seconds.is_some(),
            input.forwarded_for.is_some(),
            input.user_agent.is_some(),
            input.accept_language.is_some(),
            input.pass_code.is_some(),
            input.user_id.0.starts_with("00u"),
        );
        if shapes.insert(shape) {
            c.add("build_request", &format!("vec-{name}"), input.to_bytes());
        }
    }
    let base = BuildInput {
        user_id: "00u15s1KDETTQMQYABRL".into(),
        factor_id: "ostf1fmaMGJLMNGNLIVG".into(),
        transaction_id: "v2mst.GldKV5VxTrifyeZmWSQguA".into(),
        phone_number: "+15555550100".into(),
        ..BuildInput::default()
    };
    let hostile: Vec<(&str, BuildInput)> = vec![
        (
            "dot-dot-user",
            BuildInput {
                user_id: "..".into(),
                ..base.clone()
            },
        ),
        (
            "dot-factor",
            BuildInput {
                factor_id: ".".into(),
                ..base.clone()
            },
        ),
        (
            "empty-transaction",
            BuildInput {
                transaction_id: "".into(),
                ..base.clone()
            },
        ),
        (
            "traversal-ids",
            BuildInput {
                user_id: "../../admin".into(),
                factor_id: "a/b?c=d#e".into(),
                transaction_id: "%2e%2e".into(),
                ..base.clone()
            },
        ),
        (
            "unicode-ids",
            BuildInput {
                user_id: "\u{1F600}\u{0}ü".into(),
                factor_id: "sp ace+plus".into(),
                ..base.clone()
            },
        ),
        (
            "crlf-headers",
            BuildInput {
                user_agent: Some("Mozilla\r\nX-Evil: 1".into()),
                forwarded_for: Some("1.2.3.4\n".into()),
                accept_language: Some("fr\u{e9}".into()),
                ..base.clone()
            },
        ),
        (
            "tab-headers",
            BuildInput {
                user_agent: Some("\tMozilla 5.0 \t".into()),
                forwarded_for: Some(" ".into()),
                accept_language: Some("".into()),
                ..base.clone()
            },
        ),
        (
            "lifetime-zero",
            BuildInput {
                token_lifetime_seconds: Some(0),
                template_id: Some("cstk2flOtuCMDJK4b0g3".into()),
                ..base.clone()
            },
        ),
        (
            "lifetime-max",
            BuildInput {
                token_lifetime_seconds: Some(86_401),
                update_phone: Some(true),
                activate: Some(false),
                remove_recovery_enrollment: Some(true),
                ..base.clone()
            },
        ),
        (
            "query-injection",
            BuildInput {
                template_id: Some("x&activate=true#frag".into()),
                token_lifetime_seconds: Some(86_400),
                ..base.clone()
            },
        ),
        (
            "orgs",
            BuildInput {
                org_choice: 3,
                bearer: true,
                ..base.clone()
            },
        ),
        (
            "orgs-2",
            BuildInput {
                org_choice: 4,
                ..base.clone()
            },
        ),
        (
            "org-and-token",
            BuildInput {
                org: Some("https://Dev-1.OKTA.com:443/".into()),
                token: Some("tok\r\nen".into()),
                bearer: true,
                ..base.clone()
            },
        ),
        (
            "org-userinfo",
            BuildInput {
                org: Some("https://user:pw@dev-1.okta.com".into()),
                token: Some("00abc".into()),
                ..base.clone()
            },
        ),
        (
            "passcode-quotes",
            BuildInput {
                pass_code: Some("\"}]{\\u0000".into()),
                phone_number: "\"+1\u{2028}".into(),
                ..base.clone()
            },
        ),
    ];
    for (name, input) in hostile {
        c.add("build_request", &format!("extra-{name}"), input.to_bytes());
    }
}

const FACTORS: &str = "/api/v1/users/{userId}/factors";
const FACTOR: &str = "/api/v1/users/{userId}/factors/{factorId}";

fn req(method: &str, target: &str, body: &[u8]) -> Vec<u8> {
    let headers: &[(&str, &str)] = if body.is_empty() {
        &[]
    } else {
        &[("content-type", "application/json")]
    };
    encode_request(method, target, headers, body)
}

fn sim_seeds(c: &mut Corpus, spec: &[(String, Value)], vectors: &[(String, Value)]) {
    let mut enrolls = BTreeMap::new();
    for (name, f) in spec {
        if f["kind"] != "request" {
            continue;
        }
        let slug = name.rsplit("--").next().unwrap_or_default().to_owned();
        let body = body_bytes(f.get("wire_body"));
        if f["operation"] == "enroll_factor" {
            enrolls.insert(slug, body);
        }
    }
    let activate = format!("{FACTOR}/lifecycle/activate");
    let verify = format!("{FACTOR}/verify");
    let code_body = br#"{"passCode":"{code}"}"#;
    // The whole lifecycle of every factor type of the spec.
    for (slug, body) in &enrolls {
        // (`!advance`: past the SMS/email resend interval and the TOTP step.)
        let steps = vec![
            req("POST", FACTORS, body),
            req("POST", &activate, code_body),
            b"!advance 31".to_vec(),
            req("POST", &verify, b""),
            req("POST", &verify, code_body),
            req("POST", &verify, code_body),
            b"!advance 31".to_vec(),
            req("POST", &verify, code_body),
            req("GET", FACTOR, b""),
            req("GET", FACTORS, b""),
            req("DELETE", FACTOR, b""),
        ];
        c.add(
            "simulator_handle",
            &format!("spec-lifecycle-{slug}"),
            encode_steps(&steps),
        );
    }
    // Each activate/verify/resend example after enrolling its factor type.
    let enroll_of = |slug: &str| -> Option<&Vec<u8>> {
        let key = match slug {
            "security-question-verify" => "question",
            "token-verify" => "rsa-securid",
            "totp-verify" => "token-software-totp",
            "push-challenge-with-number-matching" => "push",
            other => other.strip_suffix("-verify").unwrap_or(other),
        };
        enrolls.get(key)
    };
    for (name, f) in spec {
        if f["kind"] != "request" || f["operation"] == "enroll_factor" {
            continue;
        }
        let slug = name.rsplit("--").next().unwrap_or_default();
        let Some(enroll) = enroll_of(slug) else {
            continue;
        };
        let body = body_bytes(f.get("wire_body"));
        let mut steps = vec![req("POST", FACTORS, enroll)];
        match f["operation"].as_str() {
            Some("activate_factor") => steps.push(req("POST", &activate, &body)),
            Some("verify_factor") => {
                if slug.starts_with("push") {
                    steps.push(b"!activate-device".to_vec());
                } else {
                    steps.push(req("POST", &activate, code_body));
                }
                steps.push(req("POST", &verify, &body));
            }
            Some("resend_enroll_factor") => {
                steps.push(b"!advance 31".to_vec());
                steps.push(req("POST", &format!("{FACTOR}/resend"), &body));
            }
            _ => continue,
        }
        c.add(
            "simulator_handle",
            &format!("spec-{name}"),
            encode_steps(&steps),
        );
    }
    // Push flows: approve, reject, number matching, expiry, cancel.
    let push = enrolls.get("push").cloned().unwrap_or_default();
    let tx = format!("{FACTOR}/transactions/{{transactionId}}");
    let flows: Vec<(&str, Vec<Vec<u8>>)> = vec![
        ("push-approve", vec![req("POST", FACTORS, &push), req("POST", &activate, b""), b"!activate-device".to_vec(), req("POST", &format!("{activate}/poll"), b""), req("POST", &verify, b""), b"!approve".to_vec(), req("GET", &tx, b""), req("GET", &tx, b"")]),
        ("push-reject", vec![req("POST", FACTORS, &push), b"!activate-device".to_vec(), req("POST", &verify, b""), b"!reject".to_vec(), req("GET", &tx, b"")]),
        ("push-number-matching", vec![req("POST", FACTORS, &push), b"!activate-device".to_vec(), req("POST", &verify, br#"{"useNumberMatchingChallenge":true}"#), b"!answer 42".to_vec(), req("GET", &tx, b"")]),
        ("push-expire-cancel", vec![req("POST", FACTORS, &push), b"!activate-device".to_vec(), req("POST", &verify, b""), b"!advance 301".to_vec(), req("GET", &tx, b""), req("DELETE", &tx, b""), req("POST", &verify, b"")]),
        ("catalog-questions", vec![req("GET", &format!("{FACTORS}/catalog"), b""), req("GET", &format!("{FACTORS}/questions"), b""), encode_request("GET", &format!("{FACTORS}/questions"), &[("authorization", "Bearer {token}")], b"")]),
        ("sms-resend-throttle", vec![req("POST", &format!("{FACTORS}?updatePhone=true&tokenLifetimeSeconds=60"), br#"{"factorType":"sms","provider":"OKTA","profile":{"phoneNumber":"+15555550100"}}"#), req("POST", &format!("{FACTOR}/resend?templateId=x"), br#"{"factorType":"sms","provider":"OKTA","profile":{"phoneNumber":"+15555550100"}}"#), req("POST", &format!("{activate}/sms"), b""), b"!advance 400".to_vec(), req("POST", &activate, code_body)]),
        ("bad-auth", vec![encode_request("GET", FACTORS, &[("authorization", "SSWS wrong")], b""), encode_request("GET", FACTORS, &[("authorization", "")], b""), encode_request("GET", FACTORS, &[("authorization", "Basic {token}")], b"")]),
        ("bad-routes", vec![req("PUT", FACTORS, b""), req("GET", "/api/v1/users/{userId}/factors/../factors", b""), req("PATCH", FACTOR, b"{}"), req("GET", "/", b""), req("GET", "*", b""), req("GET", "https://other.example:8443/api/v1/users/{userId}/factors?x=%ZZ", b"")]),
        ("bad-bodies", vec![req("POST", FACTORS, b"{"), req("POST", FACTORS, b"[]"), req("POST", FACTORS, br#"{"factorType":"sms","provider":"OKTA","profile":{"phoneNumber":""}}"#), req("POST", FACTORS, br#"{"factorType":"nope","provider":"OKTA"}"#), req("POST", &format!("{FACTORS}?tokenLifetimeSeconds=0"), br#"{"factorType":"email","provider":"OKTA","profile":{"email":"fuzz@example.com"}}"#), req("POST", &verify, b"\xff\xfe")]),
    ];
    for (name, steps) in flows {
        c.add(
            "simulator_handle",
            &format!("flow-{name}"),
            encode_steps(&steps),
        );
    }
    // The wire vectors' requests, their IDs replaced by the simulator's.
    for (name, v) in vectors {
        let r = &v["request"];
        let path = r["path"].as_str().unwrap_or_default();
        let (user, factor, tx) = path_ids(path);
        let mut target = path.replacen(&format!("/users/{user}"), "/users/{userId}", 1);
        if !factor.is_empty() && factor != "catalog" && factor != "questions" {
            target = target.replacen(&format!("/factors/{factor}"), "/factors/{factorId}", 1);
        }
        if !tx.is_empty() {
            target = target.replacen(
                &format!("/transactions/{tx}"),
                "/transactions/{transactionId}",
                1,
            );
        }
        if let Some(query) = r["query"].as_object() {
            let pairs: Vec<String> = query
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect();
            target = format!("{target}?{}", pairs.join("&"));
        }
        let headers: Vec<(String, String)> = r["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    // Only the headers the simulator reads (so that
                    // requests differing in other headers make one seed).
                    .filter(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let method = r["method"].as_str().unwrap_or("GET");
        let request = encode_request(method, &target, &headers, &body_bytes(r.get("body")));
        let mut steps = Vec::new();
        if target.contains("{factorId}") {
            let kind = [
                "sms", "call", "email", "question", "totp", "push", "u2f", "webauthn", "rsa",
                "yubikey",
            ]
            .into_iter()
            .find(|k| name.contains(k))
            .map(|k| match k {
                "totp" => "token-software-totp",
                "rsa" => "rsa-securid",
                other => other,
            });
            if let Some(enroll) = kind.and_then(|k| enrolls.get(k)) {
                steps.push(req("POST", FACTORS, enroll));
            }
        }
        steps.push(request);
        c.add(
            "simulator_handle",
            &format!("vec-{name}"),
            encode_steps(&steps),
        );
    }
}

fn policy_seeds(c: &mut Corpus, vectors: &[(String, Value)]) {
    let base = PolicyInput {
        max_retries: 2,
        max_delay_ms: 60_000,
        max_total_wait_ms: 120_000,
        fallback_ms: 1_000,
        concurrent_ms: 250,
        poll_href: "https://dev-123456.okta.com/api/v1/users/00u1/factors/opf1/transactions/v2mst1"
            .into(),
        poll_interval_ms: 4_000,
        poll_max_wait_ms: 300_000,
        poll_status: 200,
        poll_body: Bytes(br#"{"factorResult":"SUCCESS"}"#.to_vec()),
        ..PolicyInput::default()
    };
    let date = ("date", "Fri, 01 Jan 2021 00:00:00 GMT");
    for (name, v) in vectors {
        let response = &v["response"];
        let mut pairs: Vec<(String, String)> = response["headers"]
            .as_object()
            .map(|h| {
                h.iter()
                    .map(|(k, v)| {
                        (
                            k.to_ascii_lowercase(),
                            v.as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let body = &response["body"];
        let href = body.pointer("/_links/poll/href").and_then(Value::as_str);
        if response["status"] == 429 {
            if !pairs.iter().any(|(k, _)| k == "date") {
                pairs.push((date.0.into(), date.1.into()));
            }
            let headers =
                HeaderList::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let step = |random| PolicyResponse {
                status: 429,
                headers: headers.clone(),
                body: Bytes(body.to_string().into_bytes()),
                random,
            };
            let input = PolicyInput {
                headers: headers.clone(),
                responses: Responses(vec![step(0), step(u64::MAX), step(7)]),
                poll_status: 429,
                poll_headers: headers.clone(),
                elapsed_ms: 10_000,
                ..base.clone()
            };
            c.add("policies", &format!("vec-{name}"), input.to_bytes());
        } else if let Some(href) = href {
            let href = href.replace("{yourOktaDomain}", "dev-123456.okta.com");
            let input = PolicyInput {
                poll_href: Text(href),
                poll_allow: Some("GET".into()),
                expires_at: body
                    .get("expiresAt")
                    .and_then(Value::as_str)
                    .map(Text::from),
                date: Some(Bytes(b"Wed, 01 Apr 2015 15:56:32 GMT".to_vec())),
                poll_body: Bytes(body.to_string().into_bytes()),
                elapsed_ms: 4_000,
                ..base.clone()
            };
            c.add("policies", &format!("vec-{name}"), input.to_bytes());
        }
    }
    let hrefs = [
        (
            "other-host",
            "https://evil.example/api/v1/users/00u1/factors/opf1/transactions/v2mst1",
        ),
        ("userinfo", "https://dev-123456.okta.com@evil.example/x"),
        ("port", "https://dev-123456.okta.com:444/x"),
        ("default-port", "https://DEV-123456.okta.com.:443/x"),
        ("scheme", "http://dev-123456.okta.com/x"),
        (
            "relative",
            "/api/v1/users/00u1/factors/opf1/transactions/v2mst1",
        ),
        ("protocol-relative", "//evil.example/x"),
        ("suffix-host", "https://dev-123456.okta.com.evil.example/x"),
        ("empty-port", "https://dev-123456.okta.com:/x"),
        ("spaces", " https://dev-123456.okta.com/x "),
    ];
    for (name, href) in hrefs {
        let input = PolicyInput {
            poll_href: href.into(),
            probe: href.into(),
            poll_allow: Some("POST".into()),
            ..base.clone()
        };
        c.add("policies", &format!("extra-href-{name}"), input.to_bytes());
    }
    let extremes = PolicyInput {
        max_retries: 255,
        max_delay_ms: u64::MAX,
        max_total_wait_ms: u64::MAX,
        // Not u64::MAX: see regress-backoff-overflow (a known crash).
        fallback_ms: u64::from(u32::MAX),
        concurrent_ms: u64::from(u32::MAX),
        retries: u32::MAX,
        random: u64::MAX,
        headers: HeaderList::from_pairs([date, ("x-rate-limit-reset", "18446744073709551615")]),
        responses: Responses(vec![
            PolicyResponse {
                status: 429,
                headers: HeaderList::from_pairs([
                    ("x-rate-limit-limit", "0"),
                    ("x-rate-limit-remaining", "0")
                ]),
                body: Bytes::default(),
                random: u64::MAX
            };
            8
        ]),
        time_left_ms: Some(0),
        poll_interval_ms: u64::MAX,
        poll_max_wait_ms: u64::MAX,
        expires_at: Some("9999-12-31T23:59:60.999999+23:59".into()),
        date: Some(Bytes(b"Thu, 01 Jan 1970 00:00:00 GMT".to_vec())),
        poll_status: 429,
        elapsed_ms: u64::MAX,
        ..base.clone()
    };
    c.add("policies", "extra-extremes", extremes.to_bytes());
    let org = PolicyInput {
        org: Some("http://[::1]:8080".into()),
        poll_href: "http://[::1]:8080/api/v1/users/u/factors/f/transactions/t".into(),
        probe: "http://[0:0::1]:8080/x".into(),
        ..base
    };
    c.add("policies", "extra-ipv6-org", org.to_bytes());
}
