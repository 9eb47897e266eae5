//! Property tests (proptest) of the OAuth token machine,
//! [`okta_factors_core::policy::Authorize`], driven by hand through the
//! [`Machine`] trait as the clients drive it, with no sockets: several calls
//! share one `Credentials::service_app(...)` (each through its own clone of
//! the credentials, so they share the token cache), and a scheduler
//! interleaves their `next_action`/`handle` steps in arbitrary orders, with
//! arbitrary token-endpoint answers (grants of either type and any
//! `expires_in`, `use_dpop_nonce` with and without a nonce,
//! `invalid_dpop_proof`, `invalid_client`, `5xx`, transport errors, garbage),
//! arbitrary API answers (`200`, `401 invalid_token`, `401 use_dpop_nonce`,
//! `403`, `429`, transport errors), arbitrary time steps (past a token's
//! expiry too), calls started late and calls dropped at any point (in the
//! middle of a mint too).
//!
//! The model checks, at every step:
//! * a token sent at Unix time `t` was granted with an `expires_in` such that
//!   `t < granted_at + expires_in`;
//! * at most one token request is in flight across the calls, and a call
//!   waits for a token ([`WaitReason::Token`]) only while another live call
//!   holds the mint (so a mint abandoned by a dropped call blocks nobody
//!   beyond the poll already under way); a wait never exceeds the request's
//!   time left;
//! * each request of the inner machine causes at most 3 token requests and
//!   is sent at most three times (again only after a `401` naming
//!   `use_dpop_nonce` or `invalid_token`, once per reason), and every
//!   interaction ends within a bounded
//!   number of steps once the scheduler lets it;
//! * every request goes to the org's origin; an API request carries exactly
//!   one `Authorization` (`Bearer`/`DPoP` as the token type says, marked
//!   sensitive) and, for a DPoP token, exactly one proof whose `ath` is the
//!   token's SHA-256 and whose `htm`/`htu` are the request's (no query); a
//!   token request carries a client assertion for the app and the token
//!   URL; every `jti` is new;
//! * a refused mint's error ends the call that minted (`invalid_client` as
//!   `AuthErrorKind::InvalidClient`) and reaches the calls that waited for it
//!   with the same kind, and they do not mint again themselves;
//! * no error's `Display`/`Debug` holds an access token.
//!
//! JWS signatures are not verified here (tests/oauth_*.rs and the unit tests
//! do that with `jsonwebtoken`); payloads are decoded with base64url and
//! serde_json. More cases: `PROPTEST_CASES=2000 cargo test -p
//! okta-factors-core --test oauth_machine`.

#![cfg(feature = "oauth")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::time::Duration;

use data_encoding::BASE64URL_NOPAD;
use http::header::{AUTHORIZATION, CONTENT_TYPE, WWW_AUTHENTICATE};
use http::{HeaderName, Method, Request, Response};
use okta_factors_core::bytes::Bytes;
use okta_factors_core::oauth::{Dpop, PrivateKey, ServiceApp};
use okta_factors_core::operations::{ListFactors, VerifyFactor};
use okta_factors_core::policy::{Action, Authorize, Call, Machine, WaitReason};
use okta_factors_core::{
    AuthErrorKind, ClientConfig, Credentials, Error, OrgUrl, TimeoutLimit, TransportError,
    TransportErrorKind,
};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};

const REGRESSIONS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/proptest-regressions/oauth_machine.txt"
);

fn config(default_cases: u32) -> ProptestConfig {
    common::proptest_config::config(REGRESSIONS, default_cases)
}

const ORG: &str = "https://dev-123456.okta.com";
const TOKEN_URL: &str = "https://dev-123456.okta.com/oauth2/v1/token";
const CLIENT_ID: &str = "0oa1service2app";
/// Unix time when the scenario starts.
const START: Duration = Duration::from_secs(1_796_119_200);
/// Calls a scenario may run.
const MAX_CALLS: usize = 8;
/// Token requests one inner request may cause.
const MAX_MINTS: u32 = 3;
/// Sends of one inner request: the first, once more after a `401
/// use_dpop_nonce`, once more after a `401 invalid_token`.
const MAX_SENDS: u32 = 3;
const DPOP: HeaderName = HeaderName::from_static("dpop");
const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");
const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy)]
enum Expiry {
    Number(u64),
    Text(u64),
    Absent,
}

impl Expiry {
    fn seconds(self) -> Option<u64> {
        match self {
            Self::Number(s) | Self::Text(s) => Some(s),
            Self::Absent => None,
        }
    }
}

#[derive(Debug, Clone)]
enum TokenAnswer {
    /// `200` with a token of type `DPoP` (else `Bearer`), spelled in lower
    /// case or not.
    Grant {
        dpop: bool,
        lower: bool,
        expires: Expiry,
        nonce: Option<String>,
    },
    /// `400 use_dpop_nonce`, with a `DPoP-Nonce` or not.
    UseDpopNonce { nonce: Option<String> },
    /// `400 invalid_dpop_proof`.
    InvalidDpopProof { nonce: Option<String> },
    /// `401 invalid_client`.
    InvalidClient,
    /// A `5xx`, with an OAuth body or an HTML page.
    ServerError { status: u16, oauth: bool },
    /// No answer.
    Transport,
    /// Any bytes with any of a few statuses.
    Garbage { status: u16, body: Vec<u8> },
}

#[derive(Debug, Clone)]
enum ApiAnswer {
    Ok,
    /// `401` with `WWW-Authenticate: Bearer|DPoP error="invalid_token"`.
    InvalidToken {
        dpop_scheme: bool,
    },
    /// `401` with `WWW-Authenticate: DPoP error="use_dpop_nonce"`.
    UseDpopNonce {
        nonce: Option<String>,
    },
    /// `403 E0000006` with an `insufficient_scope` challenge.
    Forbidden,
    /// `429 E0000047`.
    RateLimited,
    Transport,
}

/// One of a list, as a fraction of its length.
#[derive(Debug, Clone, Copy)]
struct Pick(u64);

impl Pick {
    fn index(self, len: usize) -> usize {
        ((u128::from(self.0) * len as u128) >> 64) as usize
    }
}

#[derive(Debug, Clone)]
enum Op {
    /// The scheduler runs one step of a live call: hands it its answer, or
    /// asks it for its next action.
    Step(Pick),
    /// Time passes (requests whose time runs out meanwhile time out).
    Advance(u64),
    /// A call is dropped (a cancelled future), whatever it is doing.
    Drop(Pick),
    /// Another call starts.
    Spawn,
}

#[derive(Debug, Clone)]
struct Scenario {
    dpop: Dpop,
    request_timeout_ms: u64,
    initial_calls: usize,
    ops: Vec<Op>,
    token_answers: Vec<TokenAnswer>,
    api_answers: Vec<ApiAnswer>,
    /// Per call: the `seed` of its `jti`s, and whether it is a `POST` with a
    /// query (else a `GET`).
    calls: Vec<(u64, bool)>,
}

fn nonce() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        1 => Just(None),
        3 => "[A-Za-z0-9_-]{1,12}".prop_map(Some),
    ]
}

fn expiry() -> impl Strategy<Value = Expiry> {
    prop_oneof![
        3 => (0u64..4).prop_map(Expiry::Number),
        2 => (60u64..200).prop_map(Expiry::Number),
        3 => Just(Expiry::Number(3600)),
        1 => prop_oneof![0u64..3, 0u64..5000].prop_map(Expiry::Text),
        1 => prop_oneof![Just(u64::MAX), Just(1u64 << 62), Just(u64::MAX / 1000)]
            .prop_map(Expiry::Number),
        1 => Just(Expiry::Absent),
    ]
}

fn token_answer() -> impl Strategy<Value = TokenAnswer> {
    prop_oneof![
        8 => (any::<bool>(), any::<bool>(), expiry(), proptest::option::of("[a-z0-9]{1,8}"))
            .prop_map(|(dpop, lower, expires, nonce)| TokenAnswer::Grant { dpop, lower, expires, nonce }),
        3 => nonce().prop_map(|nonce| TokenAnswer::UseDpopNonce { nonce }),
        2 => nonce().prop_map(|nonce| TokenAnswer::InvalidDpopProof { nonce }),
        1 => Just(TokenAnswer::InvalidClient),
        1 => (prop_oneof![Just(500u16), Just(502), Just(503)], any::<bool>())
            .prop_map(|(status, oauth)| TokenAnswer::ServerError { status, oauth }),
        1 => Just(TokenAnswer::Transport),
        1 => (prop_oneof![Just(200u16), Just(400), Just(401), Just(302)], vec(any::<u8>(), 0..40))
            .prop_map(|(status, body)| TokenAnswer::Garbage { status, body }),
    ]
}

fn api_answer() -> impl Strategy<Value = ApiAnswer> {
    prop_oneof![
        4 => Just(ApiAnswer::Ok),
        3 => any::<bool>().prop_map(|dpop_scheme| ApiAnswer::InvalidToken { dpop_scheme }),
        2 => nonce().prop_map(|nonce| ApiAnswer::UseDpopNonce { nonce }),
        1 => Just(ApiAnswer::Forbidden),
        1 => Just(ApiAnswer::RateLimited),
        1 => Just(ApiAnswer::Transport),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => any::<u64>().prop_map(Pick).prop_map(Op::Step),
        2 => prop_oneof![
            3 => 1u64..100,
            2 => 1_000u64..90_000,
            1 => 3_500_000u64..3_700_000,
        ]
        .prop_map(Op::Advance),
        1 => any::<u64>().prop_map(Pick).prop_map(Op::Drop),
        1 => Just(Op::Spawn),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        prop_oneof![Just(Dpop::Off), Just(Dpop::On), Just(Dpop::Auto)],
        prop_oneof![1_000u64..5_000, 30_000u64..120_000],
        1usize..=4,
        vec(op(), 0..120),
        vec(token_answer(), 1..6),
        vec(api_answer(), 1..6),
        vec((any::<u64>(), any::<bool>()), MAX_CALLS),
    )
        .prop_map(
            |(dpop, request_timeout_ms, initial_calls, ops, token_answers, api_answers, calls)| {
                Scenario {
                    dpop,
                    request_timeout_ms,
                    initial_calls,
                    ops,
                    token_answers,
                    api_answers,
                    calls,
                }
            },
        )
}

// ---------------------------------------------------------------------------
// The inner machine, observed
// ---------------------------------------------------------------------------

/// A request of the inner machine: when (its call's `now`) and its time limit.
#[derive(Debug, Clone, Copy)]
struct InnerSend {
    at: Duration,
    timeout: Duration,
}

/// `inner`, recording each request it makes (its output dropped, so that
/// calls of different operations fit one list).
struct Probe<M> {
    inner: M,
    sends: Rc<RefCell<Vec<InnerSend>>>,
}

impl<M: Machine> Machine for Probe<M> {
    type Output = ();

    fn next_action(&mut self, now: Duration) -> Action<()> {
        match self.inner.next_action(now) {
            Action::Send { request, timeout } => {
                self.sends.borrow_mut().push(InnerSend { at: now, timeout });
                Action::Send { request, timeout }
            }
            Action::Wait { delay, reason } => Action::Wait { delay, reason },
            Action::ShowNumber(n) => Action::ShowNumber(n),
            Action::Done(result) => Action::Done(result.map(|_| ())),
        }
    }

    fn handle(
        &mut self,
        outcome: Result<Response<Bytes>, TransportError>,
        now: Duration,
        random: u64,
    ) {
        self.inner.handle(outcome, now, random);
    }
}

// ---------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------

/// What a call did (for the checks of calls that waited for a mint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Did {
    Mint,
    Api,
    RateLimitWait,
    /// Waited for another call's mint.
    TokenWait,
    Refused(AuthErrorKind),
    OtherDone,
    /// Dropped before it showed.
    Unknown,
}

#[derive(Debug, Clone, Copy)]
struct Outstanding {
    token: bool,
    /// It carried a DPoP proof.
    proof: bool,
    /// When its time is up (scenario time).
    deadline: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Granted {
    /// Scenario time of the answer.
    at: Duration,
    expires_in: Option<u64>,
    dpop: bool,
}

/// What the next action of a call must be, given the answer it just had.
#[derive(Debug, Clone, Copy)]
enum Expect {
    Refused(AuthErrorKind),
    TransportFailure,
}

struct Slot<'c> {
    machine: Option<Box<dyn Machine<Output = ()> + 'c>>,
    sends: Rc<RefCell<Vec<InnerSend>>>,
    /// Scenario time it started at.
    start: Duration,
    done: bool,
    outstanding: Option<Outstanding>,
    /// Inner requests seen so far, and for the last one: token requests and sends.
    inner_seen: usize,
    epoch_mints: u32,
    epoch_sends: u32,
    /// Why the inner request was sent again (each reason at most once).
    epoch_retries: Vec<&'static str>,
    /// The `401` reason of the last API answer it had, if any.
    last_401: Option<&'static str>,
    /// The mint it holds (the model's number), from its token request to the
    /// answer that ends it (a grant, a refusal, no answer) or, after an
    /// answer it may follow with another token request (a DPoP nonce, DPoP
    /// required), to its next action that is no token request.
    mint: Option<u64>,
    /// The mint whose outcome its next action tells.
    outcome_of: Option<u64>,
    /// The mint it last waited for.
    waiting_on: Option<u64>,
    expect: Option<Expect>,
}

struct World<'c, 's> {
    sc: &'s Scenario,
    configs: &'c [ClientConfig],
    list: &'c ListFactors,
    verify: &'c VerifyFactor,
    now: Duration,
    slots: Vec<Slot<'c>>,
    tokens: HashMap<String, Granted>,
    token_count: u64,
    mint_count: u64,
    token_i: usize,
    api_i: usize,
    jtis: HashSet<String>,
    nonces: HashSet<String>,
    /// How each mint ended (for the calls that waited for it).
    mint_outcomes: HashMap<u64, Did>,
    /// (mint, call, what the call did first after waiting for it).
    waiters: Vec<(u64, usize, Did)>,
    token_requests: u32,
    api_requests: u32,
    /// How each call ended (in the order they ended).
    ended: Vec<Did>,
}

fn decode_jwt(jwt: &str) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "not a compact JWS: {jwt}");
    let part = |s: &str| -> Value {
        let bytes = BASE64URL_NOPAD.decode(s.as_bytes()).expect("base64url");
        serde_json::from_slice(&bytes).expect("JSON")
    };
    assert!(!parts[2].is_empty(), "no signature");
    (part(parts[0]), part(parts[1]))
}

fn ath(token: &str) -> String {
    BASE64URL_NOPAD.encode(ring::digest::digest(&ring::digest::SHA256, token.as_bytes()).as_ref())
}

fn json_response(status: u16) -> http::response::Builder {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .header("x-okta-request-id", "req-1")
}

fn okta_error(code: &str, summary: &str) -> Value {
    json!({"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oae1", "errorCauses": []})
}

impl<'c, 's> World<'c, 's> {
    fn unix_now(&self) -> Duration {
        START + self.now
    }

    fn spawn(&mut self) {
        let index = self.slots.len();
        if index >= MAX_CALLS {
            return;
        }
        let (seed, post) = self.sc.calls[index];
        // Random seeds, distinct per call (as a client's random numbers are).
        let seed = seed ^ ((index as u64) << 56);
        let config = &self.configs[index];
        let sends = Rc::new(RefCell::new(Vec::new()));
        let machine: Box<dyn Machine<Output = ()> + 'c> = if post {
            Box::new(Authorize::new(
                Probe {
                    inner: Call::new(self.verify, config),
                    sends: sends.clone(),
                },
                config,
                self.unix_now(),
                seed,
            ))
        } else {
            Box::new(Authorize::new(
                Probe {
                    inner: Call::new(self.list, config),
                    sends: sends.clone(),
                },
                config,
                self.unix_now(),
                seed,
            ))
        };
        self.slots.push(Slot {
            machine: Some(machine),
            sends,
            start: self.now,
            done: false,
            outstanding: None,
            inner_seen: 0,
            epoch_mints: 0,
            epoch_sends: 0,
            epoch_retries: Vec::new(),
            last_401: None,
            mint: None,
            outcome_of: None,
            waiting_on: None,
            expect: None,
        });
    }

    fn live(&self) -> Vec<usize> {
        (0..self.slots.len())
            .filter(|&i| self.slots[i].machine.is_some() && !self.slots[i].done)
            .collect()
    }

    /// Runs one step of call `i`: its answer if it waits for one, else its
    /// next action. Returns the wait it asked for, if any.
    fn step(&mut self, i: usize) -> Option<Duration> {
        if self.slots[i].outstanding.is_some() {
            self.answer(i);
            None
        } else {
            self.act(i)
        }
    }

    fn act(&mut self, i: usize) -> Option<Duration> {
        let local = self.now - self.slots[i].start;
        let action = self.slots[i]
            .machine
            .as_mut()
            .expect("live")
            .next_action(local);
        if std::env::var_os("OAUTH_MACHINE_TRACE").is_some() {
            eprintln!("{:?} call {i}: {action:?}", self.now);
        }
        // A new inner request starts a new count.
        let (inner_deadline, inner_count) = {
            let sends = self.slots[i].sends.borrow();
            let deadline = sends.last().map(|s| self.slots[i].start + s.at + s.timeout);
            (deadline, sends.len())
        };
        let slot = &mut self.slots[i];
        if inner_count > slot.inner_seen {
            slot.inner_seen = inner_count;
            slot.epoch_mints = 0;
            slot.epoch_sends = 0;
            slot.epoch_retries.clear();
        }
        if let Some(expect) = slot.expect.take() {
            match (expect, &action) {
                (Expect::Refused(kind), Action::Done(Err(Error::Auth(e)))) => {
                    assert_eq!(e.kind, kind, "{e:?}")
                }
                (Expect::TransportFailure, Action::Done(Err(Error::Transport(_)))) => {}
                (expect, action) => panic!("expected {expect:?}, got {action:?}"),
            }
        }
        let did = match action {
            Action::Send { request, timeout } => {
                let deadline = inner_deadline.expect("a send without an inner request");
                assert!(!timeout.is_zero(), "a send with no time left");
                assert!(
                    self.now + timeout <= deadline,
                    "a send ({timeout:?}) past the inner request's time limit ({deadline:?}, now {:?})",
                    self.now
                );
                let origin = format!(
                    "{}://{}",
                    request.uri().scheme_str().unwrap_or_default(),
                    request
                        .uri()
                        .authority()
                        .map(|a| a.as_str())
                        .unwrap_or_default()
                );
                assert_eq!(origin, ORG, "a request to another origin");
                let token = request.uri().path() == "/oauth2/v1/token";
                if token {
                    self.token_requests += 1;
                    self.check_token_request(&request);
                    for (j, other) in self.slots.iter().enumerate() {
                        assert!(
                            j == i || !other.outstanding.is_some_and(|o| o.token),
                            "two token requests in flight (calls {j} and {i})"
                        );
                    }
                    let slot = &mut self.slots[i];
                    slot.epoch_mints += 1;
                    assert!(
                        slot.epoch_mints <= MAX_MINTS,
                        "{} token requests for one inner request",
                        slot.epoch_mints
                    );
                    if slot.mint.is_none() {
                        self.mint_count += 1;
                        slot.mint = Some(self.mint_count);
                    }
                } else {
                    self.api_requests += 1;
                    self.check_api_request(&request);
                    let slot = &mut self.slots[i];
                    slot.epoch_sends += 1;
                    assert!(
                        slot.epoch_sends <= MAX_SENDS,
                        "an inner request sent {} times",
                        slot.epoch_sends
                    );
                    let reason = slot.last_401.take();
                    if slot.epoch_sends > 1 {
                        // Sent again only after a 401 naming a reason, and
                        // once per reason.
                        let Some(reason) = reason else {
                            panic!("an inner request sent again without a 401 asking for it");
                        };
                        assert!(
                            !slot.epoch_retries.contains(&reason),
                            "sent again twice for {reason}"
                        );
                        slot.epoch_retries.push(reason);
                    }
                }
                self.slots[i].outstanding = Some(Outstanding {
                    token,
                    proof: request.headers().contains_key(DPOP),
                    deadline: self.now + timeout,
                });
                if token {
                    Did::Mint
                } else {
                    Did::Api
                }
            }
            Action::Wait {
                delay,
                reason: WaitReason::Token,
            } => {
                let deadline = inner_deadline.expect("a token wait without an inner request");
                assert!(!delay.is_zero(), "a zero wait");
                assert!(
                    self.now + delay <= deadline,
                    "a token wait ({delay:?}) past the request's time limit"
                );
                assert!(
                    self.slots[i].mint.is_none(),
                    "a call waits for its own mint"
                );
                // The call whose token request is out; else one that had an
                // answer it may follow with another token request.
                let holders = || {
                    self.slots
                        .iter()
                        .enumerate()
                        .filter(|(j, s)| *j != i && s.machine.is_some() && s.mint.is_some())
                };
                let holder = holders()
                    .find(|(_, s)| s.outstanding.is_some())
                    .or_else(|| holders().next());
                let Some((_, holder)) = holder else {
                    panic!("call {i} waits for a token while no live call mints one");
                };
                self.slots[i].waiting_on = holder.mint;
                if let Some(mint) = self.slots[i].outcome_of.take() {
                    self.mint_outcomes.insert(mint, Did::TokenWait);
                }
                return Some(delay);
            }
            Action::Wait { delay, .. } => {
                self.end_mint(i, Did::RateLimitWait);
                if let Some(mint) = self.slots[i].outcome_of.take() {
                    self.mint_outcomes.insert(mint, Did::RateLimitWait);
                }
                self.waited(i, Did::RateLimitWait);
                return Some(delay);
            }
            Action::ShowNumber(_) => panic!("no number to show"),
            Action::Done(result) => {
                self.slots[i].done = true;
                let did = match result {
                    Ok(()) => Did::OtherDone,
                    Err(error) => {
                        let text = format!("{error} {error:?}");
                        for token in self.tokens.keys() {
                            assert!(
                                !text.contains(token.as_str()),
                                "a token in an error: {text}"
                            );
                        }
                        assert!(!text.contains("eyJ"), "a JWS in an error: {text}");
                        match error {
                            Error::Auth(e) => Did::Refused(e.kind),
                            _ => Did::OtherDone,
                        }
                    }
                };
                self.ended.push(did);
                did
            }
        };
        if did != Did::Mint {
            self.end_mint(i, did);
        }
        if let Some(mint) = self.slots[i].outcome_of.take() {
            self.mint_outcomes.insert(mint, did);
        }
        self.waited(i, did);
        None
    }

    /// Call `i`'s mint (if it held one) ended with `did`.
    fn end_mint(&mut self, i: usize, did: Did) {
        if let Some(mint) = self.slots[i].mint.take() {
            self.mint_outcomes.insert(mint, did);
        }
    }

    /// Call `i` did something else than wait: if it waited for a mint, that
    /// is what it did after.
    fn waited(&mut self, i: usize, did: Did) {
        if let Some(mint) = self.slots[i].waiting_on.take() {
            self.waiters.push((mint, i, did));
        }
    }

    fn check_token_request(&mut self, request: &Request<Vec<u8>>) {
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri(), TOKEN_URL);
        assert!(request.headers().get(AUTHORIZATION).is_none());
        let form: HashMap<String, String> =
            serde_urlencoded::from_bytes(request.body()).expect("a form");
        assert_eq!(form["grant_type"], "client_credentials");
        assert_eq!(form["client_assertion_type"], JWT_BEARER);
        assert_eq!(form["scope"], "okta.users.read okta.users.manage");
        let (header, claims) = decode_jwt(&form["client_assertion"]);
        assert_eq!(header["alg"], "ES256");
        assert_eq!(claims["iss"], CLIENT_ID);
        assert_eq!(claims["sub"], CLIENT_ID);
        assert_eq!(claims["aud"], TOKEN_URL);
        let iat = claims["iat"].as_u64().expect("iat");
        let exp = claims["exp"].as_u64().expect("exp");
        assert_eq!(iat, self.unix_now().as_secs());
        assert!(exp > iat && exp - iat <= 3600, "iat {iat} exp {exp}");
        self.new_jti(&claims);
        let proofs: Vec<_> = request.headers().get_all(DPOP).iter().collect();
        match self.sc.dpop {
            Dpop::Off => assert!(proofs.is_empty(), "a proof with DPoP off"),
            Dpop::On => assert_eq!(proofs.len(), 1, "no proof with DPoP on"),
            _ => assert!(proofs.len() <= 1),
        }
        if let Some(proof) = proofs.first() {
            let claims = self.check_proof(proof.to_str().unwrap(), "POST", TOKEN_URL);
            assert!(
                claims.get("ath").is_none(),
                "ath in a token request's proof"
            );
        }
    }

    fn check_api_request(&mut self, request: &Request<Vec<u8>>) {
        let authorizations: Vec<_> = request.headers().get_all(AUTHORIZATION).iter().collect();
        assert_eq!(authorizations.len(), 1, "Authorization headers");
        let authorization = authorizations[0];
        assert!(authorization.is_sensitive());
        let (scheme, token) = authorization
            .to_str()
            .unwrap()
            .split_once(' ')
            .expect("scheme and token");
        let Some(granted) = self.tokens.get(token).copied() else {
            panic!("a token nobody granted: {token}");
        };
        assert_eq!(scheme, if granted.dpop { "DPoP" } else { "Bearer" });
        if let Some(seconds) = granted.expires_in {
            let expiry = START
                .checked_add(granted.at)
                .and_then(|t| t.checked_add(Duration::from_secs(seconds)));
            if let Some(expiry) = expiry {
                assert!(
                    self.unix_now() < expiry,
                    "an expired token sent: granted at {:?} for {seconds} s, sent at {:?}",
                    granted.at,
                    self.now
                );
            }
        }
        let proofs: Vec<_> = request.headers().get_all(DPOP).iter().collect();
        assert_eq!(proofs.len(), usize::from(granted.dpop), "DPoP proofs");
        if let Some(proof) = proofs.first() {
            assert!(proof.is_sensitive());
            let htu = format!("{ORG}{}", request.uri().path());
            let claims = self.check_proof(proof.to_str().unwrap(), request.method().as_str(), &htu);
            assert_eq!(claims["ath"], ath(token), "ath");
        }
    }

    /// Checks a proof's header and its `htm`, `htu`, `iat`, `jti` and nonce;
    /// gives its claims.
    fn check_proof(&mut self, proof: &str, htm: &str, htu: &str) -> Value {
        let (header, claims) = decode_jwt(proof);
        assert_eq!(header["typ"], "dpop+jwt");
        assert_eq!(header["alg"], "ES256");
        assert_eq!(header["jwk"]["kty"], "EC");
        assert!(header["jwk"].get("d").is_none(), "a private key in a proof");
        assert_eq!(claims["htm"], htm);
        assert_eq!(claims["htu"], htu);
        assert_eq!(claims["iat"].as_u64(), Some(self.unix_now().as_secs()));
        if let Some(nonce) = claims.get("nonce") {
            let nonce = nonce.as_str().expect("a string nonce");
            assert!(self.nonces.contains(nonce), "a nonce nobody sent: {nonce}");
        }
        self.new_jti(&claims);
        claims
    }

    fn new_jti(&mut self, claims: &Value) {
        let jti = claims["jti"].as_str().expect("jti").to_owned();
        assert!(!jti.is_empty());
        assert!(self.jtis.insert(jti.clone()), "a jti used twice: {jti}");
    }

    fn nonce_header(
        &mut self,
        builder: http::response::Builder,
        nonce: &Option<String>,
    ) -> http::response::Builder {
        match nonce {
            Some(nonce) => {
                self.nonces.insert(nonce.clone());
                builder.header(DPOP_NONCE, nonce.as_str())
            }
            None => builder,
        }
    }

    /// Hands call `i` the answer to its request.
    fn answer(&mut self, i: usize) {
        let outstanding = self.slots[i].outstanding.take().expect("a request out");
        assert!(self.now <= outstanding.deadline);
        let outcome = if outstanding.token {
            let answer = self.sc.token_answers[self.token_i % self.sc.token_answers.len()].clone();
            self.token_i += 1;
            // Followed with another token request (as documented): a
            // `use_dpop_nonce` naming a nonce to a request with a proof;
            // `invalid_dpop_proof` to one without, with `Dpop::Auto`; at most
            // 3 token requests for one request.
            let again = self.slots[i].epoch_mints < MAX_MINTS;
            let continues = again
                && match &answer {
                    TokenAnswer::UseDpopNonce { nonce } => outstanding.proof && nonce.is_some(),
                    TokenAnswer::InvalidDpopProof { .. } => {
                        !outstanding.proof && self.sc.dpop == Dpop::Auto
                    }
                    _ => false,
                };
            let granted = match &answer {
                TokenAnswer::Grant { expires, .. } => expires.seconds() != Some(0),
                _ => false,
            };
            if granted || matches!(answer, TokenAnswer::Transport) {
                // Known now: a token, or no answer (nothing to share).
                if let Some(mint) = self.slots[i].mint.take() {
                    let did = if granted { Did::Api } else { Did::OtherDone };
                    self.mint_outcomes.insert(mint, did);
                }
            } else if !continues {
                // A refusal: the call's next action tells which.
                let slot = &mut self.slots[i];
                slot.outcome_of = slot.mint.take();
            }
            self.token_answer(i, &answer)
        } else {
            let answer = self.sc.api_answers[self.api_i % self.sc.api_answers.len()].clone();
            self.api_i += 1;
            self.slots[i].last_401 = match answer {
                ApiAnswer::InvalidToken { .. } => Some("invalid_token"),
                ApiAnswer::UseDpopNonce { .. } => Some("use_dpop_nonce"),
                _ => None,
            };
            self.api_answer(&answer)
        };
        let local = self.now - self.slots[i].start;
        self.slots[i]
            .machine
            .as_mut()
            .expect("live")
            .handle(outcome, local, 7);
    }

    fn token_answer(
        &mut self,
        i: usize,
        answer: &TokenAnswer,
    ) -> Result<Response<Bytes>, TransportError> {
        let oauth = |error: &str, description: &str| {
            json!({"error": error, "error_description": description}).to_string()
        };
        let (builder, body) = match answer {
            TokenAnswer::Grant {
                dpop,
                lower,
                expires,
                nonce,
            } => {
                self.token_count += 1;
                let token = format!("eyJraWQiOiJrIn0.secret-token-{}.c2ln", self.token_count);
                let kind = match (dpop, lower) {
                    (true, false) => "DPoP",
                    (true, true) => "dpop",
                    (false, false) => "Bearer",
                    (false, true) => "bearer",
                };
                let mut body = json!({
                    "token_type": kind,
                    "access_token": token,
                    "scope": "okta.users.read okta.users.manage",
                });
                match expires {
                    Expiry::Number(s) => body["expires_in"] = json!(s),
                    Expiry::Text(s) => body["expires_in"] = json!(s.to_string()),
                    Expiry::Absent => {}
                }
                self.tokens.insert(
                    token,
                    Granted {
                        at: self.now,
                        expires_in: expires.seconds(),
                        dpop: *dpop,
                    },
                );
                let builder = json_response(200);
                (self.nonce_header(builder, nonce), body.to_string())
            }
            TokenAnswer::UseDpopNonce { nonce } => {
                let builder = self.nonce_header(json_response(400), nonce);
                (
                    builder,
                    oauth(
                        "use_dpop_nonce",
                        "Authorization server requires nonce in DPoP proof.",
                    ),
                )
            }
            TokenAnswer::InvalidDpopProof { nonce } => {
                let builder = self.nonce_header(json_response(400), nonce);
                (
                    builder,
                    oauth(
                        "invalid_dpop_proof",
                        "The DPoP proof JWT header is missing.",
                    ),
                )
            }
            TokenAnswer::InvalidClient => {
                self.slots[i].expect = Some(Expect::Refused(AuthErrorKind::InvalidClient));
                (
                    json_response(401),
                    oauth(
                        "invalid_client",
                        "The client_assertion signature is invalid.",
                    ),
                )
            }
            TokenAnswer::ServerError {
                status,
                oauth: true,
            } => (
                json_response(*status),
                oauth("temporarily_unavailable", "Try again later."),
            ),
            TokenAnswer::ServerError {
                status,
                oauth: false,
            } => (
                Response::builder()
                    .status(*status)
                    .header(CONTENT_TYPE, "text/html"),
                "<html><body>Bad gateway</body></html>".to_owned(),
            ),
            TokenAnswer::Transport => {
                self.slots[i].expect = Some(Expect::TransportFailure);
                return Err(TransportError::new(
                    TransportErrorKind::Connect,
                    "connection refused",
                ));
            }
            TokenAnswer::Garbage { status, body } => {
                return Ok(Response::builder()
                    .status(*status)
                    .body(Bytes::from(body.clone()))
                    .unwrap())
            }
        };
        Ok(builder.body(Bytes::from(body)).unwrap())
    }

    fn api_answer(&mut self, answer: &ApiAnswer) -> Result<Response<Bytes>, TransportError> {
        let invalid_token = okta_error("E0000011", "Invalid token provided");
        let (builder, body) = match answer {
            ApiAnswer::Ok => (json_response(200), json!([])),
            ApiAnswer::InvalidToken { dpop_scheme } => {
                let scheme = if *dpop_scheme { "DPoP" } else { "Bearer" };
                (
                    json_response(401).header(
                        WWW_AUTHENTICATE,
                        format!(
                            r#"{scheme} authorization_uri="{ORG}/oauth2/v1/authorize", realm="{ORG}", scope="okta.users.read", error="invalid_token", error_description="The access token is invalid.", resource="/api/v1/users""#
                        ),
                    ),
                    invalid_token,
                )
            }
            ApiAnswer::UseDpopNonce { nonce } => {
                let builder = json_response(401).header(
                    WWW_AUTHENTICATE,
                    r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#,
                );
                (self.nonce_header(builder, nonce), invalid_token)
            }
            ApiAnswer::Forbidden => (
                json_response(403).header(
                    WWW_AUTHENTICATE,
                    r#"Bearer error="insufficient_scope", error_description="The access token provided does not contain the required scopes.""#,
                ),
                okta_error(
                    "E0000006",
                    "You do not have permission to perform the requested action",
                ),
            ),
            ApiAnswer::RateLimited => (
                json_response(429).header(
                    "x-rate-limit-reset",
                    (self.unix_now().as_secs() + 1).to_string(),
                ),
                okta_error("E0000047", "API call exceeded rate limit due to too many requests."),
            ),
            ApiAnswer::Transport => {
                return Err(TransportError::new(
                    TransportErrorKind::Connect,
                    "connection reset",
                ))
            }
        };
        Ok(builder.body(Bytes::from(body.to_string())).unwrap())
    }

    /// Time passes to `target`; requests whose time runs out before then
    /// time out (a transport answers within the time it is given).
    fn advance_to(&mut self, target: Duration) {
        loop {
            let due = (0..self.slots.len())
                .filter_map(|i| self.slots[i].outstanding.map(|o| (o.deadline, i)))
                .filter(|(deadline, _)| *deadline < target)
                .min();
            let Some((deadline, i)) = due else { break };
            self.now = self.now.max(deadline);
            if self.slots[i].outstanding.take().is_some_and(|o| o.token) {
                if let Some(mint) = self.slots[i].mint.take() {
                    self.mint_outcomes.insert(mint, Did::OtherDone);
                }
            }
            let local = self.now - self.slots[i].start;
            let error = TransportError::new(
                TransportErrorKind::Timeout(TimeoutLimit::Request),
                "timed out",
            );
            self.slots[i]
                .machine
                .as_mut()
                .expect("live")
                .handle(Err(error), local, 3);
        }
        self.now = self.now.max(target);
    }

    fn drop_call(&mut self, i: usize) {
        let slot = &mut self.slots[i];
        slot.machine = None;
        slot.outstanding = None;
        slot.waiting_on = None;
        slot.expect = None;
        if let Some(mint) = slot.mint.take().or(slot.outcome_of.take()) {
            self.mint_outcomes.insert(mint, Did::Unknown);
        }
    }

    fn run(&mut self) {
        for _ in 0..self.sc.initial_calls {
            self.spawn();
        }
        for op in self.sc.ops.clone() {
            match op {
                Op::Step(index) => {
                    let live = self.live();
                    if !live.is_empty() {
                        let _ = self.step(live[index.index(live.len())]);
                    }
                }
                Op::Advance(ms) => self.advance_to(self.now + Duration::from_millis(ms)),
                Op::Drop(index) => {
                    let live: Vec<usize> = (0..self.slots.len())
                        .filter(|&i| self.slots[i].machine.is_some())
                        .collect();
                    if !live.is_empty() {
                        self.drop_call(live[index.index(live.len())]);
                    }
                }
                Op::Spawn => self.spawn(),
            }
        }
        // Then every call is driven to its end, round robin; a wait lets the
        // time pass.
        let mut steps = 0;
        loop {
            let live = self.live();
            if live.is_empty() {
                break;
            }
            for i in live {
                if let Some(delay) = self.step(i) {
                    self.advance_to(self.now + delay);
                }
                steps += 1;
            }
            assert!(steps < 20_000, "the calls did not end (now {:?})", self.now);
        }
        // A refused mint: the calls that waited for it have its error and
        // did not mint themselves.
        for (mint, call, did) in &self.waiters {
            if let Some(Did::Refused(kind)) = self.mint_outcomes.get(mint) {
                match did {
                    Did::Mint => panic!(
                        "call {call} minted after mint {mint} it waited for was refused ({kind:?})"
                    ),
                    // Its error, or that of a later refused mint (the
                    // cache keeps the latest refusal; a mint whose call was
                    // dropped right after its answer may have been one).
                    Did::Refused(other) => assert!(
                        self.mint_outcomes
                            .iter()
                            .any(|(m, did)| m >= mint
                                && (*did == Did::Refused(*other) || *did == Did::Unknown)),
                        "call {call} waited for mint {mint}, refused as {kind:?}, and got {other:?}"
                    ),
                    _ => {}
                }
            }
        }
    }
}

/// Runs `sc`; gives the token requests, the API requests, and how each call
/// ended.
fn run(sc: &Scenario) -> (u32, u32, Vec<Did>) {
    let org = OrgUrl::parse(ORG).unwrap();
    let app = ServiceApp::new(CLIENT_ID, PrivateKey::generate_es256().unwrap()).dpop(sc.dpop);
    let credentials = Credentials::service_app(app).unwrap();
    let configs: Vec<ClientConfig> = (0..MAX_CALLS)
        .map(|_| {
            let mut config = ClientConfig::new(org.clone(), credentials.clone());
            config.request_timeout = Duration::from_millis(sc.request_timeout_ms);
            config.retry.max_retries = 1;
            config
        })
        .collect();
    let list = ListFactors::new("00u1abcd");
    let verify = VerifyFactor::new("00u1abcd", "opf1push").template_id("cstm 1");
    let mut world = World {
        sc,
        configs: &configs,
        list: &list,
        verify: &verify,
        now: Duration::ZERO,
        slots: Vec::new(),
        tokens: HashMap::new(),
        token_count: 0,
        mint_count: 0,
        token_i: 0,
        api_i: 0,
        jtis: HashSet::new(),
        nonces: HashSet::new(),
        mint_outcomes: HashMap::new(),
        waiters: Vec::new(),
        token_requests: 0,
        api_requests: 0,
        ended: Vec::new(),
    };
    world.run();
    (world.token_requests, world.api_requests, world.ended)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn calls_sharing_a_service_app_keep_the_token_rules(sc in scenario()) {
        let _ = run(&sc);
    }
}

/// A token endpoint that grants only tokens expired at once (`expires_in`
/// 0): one token request, refused as an unexpected answer, for the call and
/// for the one that waited for it; nothing sent to the API.
#[test]
fn tokens_that_expire_at_once_are_refused_not_minted_again() {
    let mut calls = vec![(1, false); MAX_CALLS];
    calls[1] = (2, true);
    let sc = Scenario {
        dpop: Dpop::Off,
        request_timeout_ms: 30_000,
        initial_calls: 2,
        ops: vec![
            Op::Step(Pick(0)),
            Op::Step(Pick(u64::MAX)),
            Op::Step(Pick(0)),
        ],
        token_answers: vec![TokenAnswer::Grant {
            dpop: false,
            lower: false,
            expires: Expiry::Number(0),
            nonce: None,
        }],
        api_answers: vec![ApiAnswer::Ok],
        calls,
    };
    let world = run(&sc);
    assert_eq!(world.0, 1, "token requests");
    assert_eq!(world.1, 0, "API requests");
    assert_eq!(
        world.2,
        [Did::Refused(AuthErrorKind::UnexpectedResponse); 2],
        "what the calls ended with"
    );
}
