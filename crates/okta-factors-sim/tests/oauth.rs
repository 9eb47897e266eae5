//! OAuth 2.0 service apps: the token endpoint, DPoP, and the API's checks of
//! issued tokens. Every client assertion and DPoP proof here is signed with
//! `jsonwebtoken` (an implementation independent of the simulator's checks)
//! and the OpenSSL-generated keys in `tests/keys/` (test-only).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use http::{Method, Request, Response, StatusCode};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use okta_factors_core::operations::ListFactors;
use okta_factors_core::{Credentials, Operation, OrgUrl};
use okta_factors_sim::{
    Fault, JwkError, ManualClock, ServiceApp, ServiceAppError, Simulator, SimulatorConfig,
};
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use ring::digest::{digest, SHA256};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivatePkcs1KeyDer, PrivatePkcs8KeyDer};
use serde_json::{json, Value};

const ORG: &str = "https://dev-123456.okta.com";
const TOKEN_URL: &str = "https://dev-123456.okta.com/oauth2/v1/token";
const API_TOKEN: &str = "test-token";
const RSA_APP: &str = "0oarsaserviceapp0001";
const EC_APP: &str = "0oaecserviceapp00001";
const DPOP_APP: &str = "0oadpopserviceapp001";
const BOTH_SCOPES: &str = "okta.users.read okta.users.manage";

fn key_file(name: &str) -> String {
    let path = format!("{}/tests/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rsa_key(name: &str) -> EncodingKey {
    let der = PrivatePkcs1KeyDer::from_pem_slice(key_file(name).as_bytes()).unwrap();
    EncodingKey::from_rsa_der(der.secret_pkcs1_der())
}

fn ec_key(name: &str) -> EncodingKey {
    let der = PrivatePkcs8KeyDer::from_pem_slice(key_file(name).as_bytes()).unwrap();
    EncodingKey::from_ec_der(der.secret_pkcs8_der())
}

fn jwk(name: &str) -> Value {
    serde_json::from_str(&key_file(name)).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    data_encoding::BASE64URL_NOPAD.encode(bytes)
}

/// A JWS with exactly this header and these claims, signed by jsonwebtoken.
fn sign(header: &Value, claims: &Value, key: &EncodingKey, alg: Algorithm) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap();
    format!("{input}.{signature}")
}

fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{prefix}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// `base64url(SHA-256(token))`.
fn ath(token: &str) -> String {
    b64(digest(&SHA256, token.as_bytes()).as_ref())
}

/// A simulator on a manual clock with three service apps: RSA (kid
/// `rsa-1`), EC (kid `ec-1`, read scope only), and an EC app that requires
/// DPoP.
struct Org {
    sim: Simulator,
    clock: ManualClock,
    user: String,
}

impl Org {
    fn new() -> Self {
        Self::with_config(SimulatorConfig::new(API_TOKEN))
    }

    fn with_config(config: SimulatorConfig) -> Self {
        let clock = ManualClock::default();
        let mut sim = Simulator::with_clock(config, clock.clone());
        let user = sim.create_user("alice@example.com");
        sim.register_service_app(ServiceApp::new(RSA_APP).jwk(key_file("rsa-2048.jwk.json")))
            .unwrap();
        sim.register_service_app(
            ServiceApp::new(EC_APP)
                .jwk(key_file("ec-p256.jwk.json"))
                .scopes(["okta.users.read"]),
        )
        .unwrap();
        sim.register_service_app(
            ServiceApp::new(DPOP_APP)
                .jwk(key_file("ec-p256.jwk.json"))
                .require_dpop(true),
        )
        .unwrap();
        Self { sim, clock, user }
    }

    fn now(&self) -> i64 {
        i64::try_from(self.clock.unix_seconds()).unwrap()
    }

    /// Claims of a valid assertion for `client_id` at the simulator's time.
    fn claims(&self, client_id: &str) -> Value {
        let now = self.now();
        json!({
            "iss": client_id, "sub": client_id, "aud": TOKEN_URL,
            "iat": now, "exp": now + 300, "jti": unique("assertion"),
        })
    }

    /// A valid RS256 assertion of the RSA app (with its kid).
    fn rsa_assertion(&self) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("rsa-1".into());
        jsonwebtoken::encode(&header, &self.claims(RSA_APP), &rsa_key("rsa-2048.pem")).unwrap()
    }

    /// A valid ES256 assertion for `client_id` (an app with the EC key),
    /// without a kid.
    fn ec_assertion(&self, client_id: &str) -> String {
        let header = Header::new(Algorithm::ES256);
        jsonwebtoken::encode(&header, &self.claims(client_id), &ec_key("ec-p256.pem")).unwrap()
    }

    /// A DPoP proof signed with the DPoP key.
    fn proof(&self, htm: &str, htu: &str, nonce: Option<&str>, token: Option<&str>) -> String {
        let mut claims = json!({"htm": htm, "htu": htu, "iat": self.now(), "jti": unique("proof")});
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        if let Some(token) = token {
            claims["ath"] = json!(ath(token));
        }
        self.proof_with(&claims)
    }

    fn proof_with(&self, claims: &Value) -> String {
        let header =
            json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk("ec-p256-dpop.jwk.json")});
        sign(
            &header,
            claims,
            &ec_key("ec-p256-dpop.pem"),
            Algorithm::ES256,
        )
    }

    /// POSTs a form to the token endpoint.
    fn token_request(&mut self, form: &[(&str, &str)], dpop: Option<&str>) -> Response<Vec<u8>> {
        let body = form
            .iter()
            .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
            .collect::<Vec<_>>()
            .join("&");
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(TOKEN_URL)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
        if let Some(proof) = dpop {
            request = request.header("dpop", proof);
        }
        self.sim.handle(request.body(body.into_bytes()).unwrap())
    }

    /// A client credentials request with `assertion`.
    fn grant(&mut self, assertion: &str, scope: &str, dpop: Option<&str>) -> Response<Vec<u8>> {
        self.token_request(
            &[
                ("grant_type", "client_credentials"),
                ("scope", scope),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", assertion),
            ],
            dpop,
        )
    }

    /// A DPoP-bound token of the DPoP app, through the nonce dance.
    fn dpop_token(&mut self, scope: &str) -> String {
        let proof = self.proof("POST", TOKEN_URL, None, None);
        let assertion = self.ec_assertion(DPOP_APP);
        let first = self.grant(&assertion, scope, Some(&proof));
        assert_eq!(first.status(), StatusCode::BAD_REQUEST);
        let nonce = header(&first, "dpop-nonce").to_owned();
        let proof = self.proof("POST", TOKEN_URL, Some(&nonce), None);
        let assertion = self.ec_assertion(DPOP_APP);
        let response = self.grant(&assertion, scope, Some(&proof));
        assert_eq!(response.status(), StatusCode::OK, "{}", text(&response));
        let body = body(&response);
        assert_eq!(body["token_type"], "DPoP");
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// A Bearer token of the RSA app.
    fn bearer_token(&mut self, scope: &str) -> String {
        let assertion = self.rsa_assertion();
        let response = self.grant(&assertion, scope, None);
        assert_eq!(response.status(), StatusCode::OK, "{}", text(&response));
        body(&response)["access_token"].as_str().unwrap().to_owned()
    }

    fn factors_url(&self) -> String {
        format!("{ORG}/api/v1/users/{}/factors", self.user)
    }

    /// An API request with `authorization` and an optional DPoP proof.
    fn api(
        &mut self,
        method: Method,
        url: &str,
        authorization: &str,
        dpop: Option<&str>,
        body: &str,
    ) -> Response<Vec<u8>> {
        let mut request = Request::builder()
            .method(method)
            .uri(url)
            .header("authorization", authorization)
            .header("content-type", "application/json");
        if let Some(proof) = dpop {
            request = request.header("dpop", proof);
        }
        self.sim
            .handle(request.body(body.as_bytes().to_vec()).unwrap())
    }

    /// `GET …/factors` with a DPoP-bound token and a fresh proof.
    fn list_with_dpop(&mut self, token: &str, nonce: Option<&str>) -> Response<Vec<u8>> {
        let url = self.factors_url();
        let proof = self.proof("GET", &url, nonce, Some(token));
        self.api(
            Method::GET,
            &url,
            &format!("DPoP {token}"),
            Some(&proof),
            "",
        )
    }
}

fn body(response: &Response<Vec<u8>>) -> Value {
    serde_json::from_slice(response.body()).unwrap_or(Value::Null)
}

fn text(response: &Response<Vec<u8>>) -> String {
    String::from_utf8_lossy(response.body()).into_owned()
}

fn header<'a>(response: &'a Response<Vec<u8>>, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

/// Status, `error` and `error_description` of a token endpoint answer.
fn oauth_error(response: &Response<Vec<u8>>) -> (StatusCode, String, String) {
    let body = body(response);
    (
        response.status(),
        body["error"].as_str().unwrap_or("<none>").to_owned(),
        body["error_description"].as_str().unwrap_or("").to_owned(),
    )
}

fn assert_oauth_error(response: &Response<Vec<u8>>, status: u16, error: &str, description: &str) {
    let (s, e, d) = oauth_error(response);
    assert_eq!(
        (s.as_u16(), e.as_str(), d.as_str()),
        (status, error, description),
        "{}",
        text(response)
    );
}

// ----- the token endpoint -----

#[test]
fn a_valid_rs256_assertion_gets_a_bearer_token_that_the_api_accepts() {
    let mut org = Org::new();
    let assertion = org.rsa_assertion();
    let response = org.grant(&assertion, BOTH_SCOPES, None);
    assert_eq!(response.status(), StatusCode::OK, "{}", text(&response));
    assert_eq!(header(&response, "content-type"), "application/json");
    assert_eq!(header(&response, "cache-control"), "no-cache, no-store");
    assert_eq!(header(&response, "pragma"), "no-cache");
    let body = body(&response);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["scope"], BOTH_SCOPES);
    let token = body["access_token"].as_str().unwrap();

    // The core's own operation, with the token as a Bearer credential.
    let op = ListFactors::new(&org.user);
    let request = op
        .build_request(
            &OrgUrl::parse(ORG).unwrap(),
            &Credentials::access_token(token).unwrap(),
        )
        .unwrap();
    let factors = op.parse_response(org.sim.handle(request)).unwrap().value;
    assert!(factors.is_empty());
}

#[test]
fn a_valid_es256_assertion_without_kid_uses_the_only_key() {
    let mut org = Org::new();
    let assertion = org.ec_assertion(EC_APP);
    let response = org.grant(&assertion, "okta.users.read", None);
    assert_eq!(response.status(), StatusCode::OK, "{}", text(&response));
    assert_eq!(body(&response)["scope"], "okta.users.read");
}

#[test]
fn the_assertion_must_be_signed_by_the_registered_key() {
    let mut org = Org::new();
    // Claims the registered kid, signed by another RSA key.
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    let forged = jsonwebtoken::encode(
        &header,
        &org.claims(RSA_APP),
        &rsa_key("rsa-2048-other.pem"),
    )
    .unwrap();
    let response = org.grant(&forged, BOTH_SCOPES, None);
    assert_oauth_error(
        &response,
        401,
        "invalid_client",
        "The client_assertion signature is invalid.",
    );
    // An EC signature where the key is RSA (alg confusion).
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("rsa-1".into());
    let confused =
        jsonwebtoken::encode(&header, &org.claims(RSA_APP), &ec_key("ec-p256.pem")).unwrap();
    let response = org.grant(&confused, BOTH_SCOPES, None);
    assert_oauth_error(
        &response,
        401,
        "invalid_client",
        "The client_assertion signature is invalid.",
    );
}

#[test]
fn an_unknown_kid_is_refused_and_so_is_no_kid_with_several_keys() {
    let mut org = Org::new();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-9".into());
    let assertion =
        jsonwebtoken::encode(&header, &org.claims(RSA_APP), &rsa_key("rsa-2048.pem")).unwrap();
    assert_oauth_error(
        &org.grant(&assertion, BOTH_SCOPES, None),
        401,
        "invalid_client",
        "The client_assertion JWT kid is invalid.",
    );

    // Two keys and no kid: Okta does not guess.
    org.sim
        .register_service_app(
            ServiceApp::new("0oatwokeys")
                .jwk(key_file("rsa-2048.jwk.json"))
                .jwk(key_file("ec-p256.jwk.json")),
        )
        .unwrap();
    let claims = org.claims("0oatwokeys");
    let assertion = jsonwebtoken::encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &rsa_key("rsa-2048.pem"),
    )
    .unwrap();
    assert_oauth_error(
        &org.grant(&assertion, BOTH_SCOPES, None),
        401,
        "invalid_client",
        "The client_assertion JWT kid is invalid.",
    );
    // With the kid, either key works.
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("ec-1".into());
    let assertion =
        jsonwebtoken::encode(&header, &org.claims("0oatwokeys"), &ec_key("ec-p256.pem")).unwrap();
    assert_eq!(
        org.grant(&assertion, BOTH_SCOPES, None).status(),
        StatusCode::OK
    );
}

/// A change to an assertion's claims.
type ClaimsChange = Box<dyn FnOnce(&mut Value)>;

/// Signs the RSA app's claims after `change`.
fn rsa_assertion_with(org: &Org, change: impl FnOnce(&mut Value)) -> String {
    let mut claims = org.claims(RSA_APP);
    change(&mut claims);
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    jsonwebtoken::encode(&header, &claims, &rsa_key("rsa-2048.pem")).unwrap()
}

#[test]
fn the_claims_are_checked() {
    let mut org = Org::new();
    let now = org.now();
    let cases: Vec<(&str, ClaimsChange, &str)> = vec![
        (
            "wrong aud",
            Box::new(|c| c["aud"] = json!("https://dev-123456.okta.com/oauth2/default/v1/token")),
            "The audience claim for client_assertion must be the endpoint invoked for the request.",
        ),
        (
            "expired",
            Box::new(move |c| {
                c["iat"] = json!(now - 600);
                c["exp"] = json!(now - 120);
            }),
            "The client_assertion token is expired.",
        ),
        (
            "a client clock 10 minutes ahead",
            Box::new(move |c| {
                c["iat"] = json!(now + 600);
                c["exp"] = json!(now + 900);
            }),
            "The client_assertion token's 'iat' claim is in the future: it was issued after the \
             server's current time (check the client's clock).",
        ),
        (
            "exp more than an hour away",
            Box::new(move |c| c["exp"] = json!(now + 3600 + 120)),
            "The client_assertion token has an expiration too far into the future.",
        ),
        (
            "exp more than an hour after iat",
            Box::new(move |c| {
                c["iat"] = json!(now - 30);
                c["exp"] = json!(now + 3590);
            }),
            "The client_assertion token has an expiration too far into the future.",
        ),
        (
            "no exp",
            Box::new(|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
            "The client_assertion token must have an 'exp' claim.",
        ),
        (
            "sub is not the client",
            Box::new(|c| c["sub"] = json!("someone-else")),
            "The client_assertion token's 'sub' claim must be the client_id, as its 'iss' claim.",
        ),
        (
            "an unknown client",
            Box::new(|c| {
                c["iss"] = json!("0oaunknown");
                c["sub"] = json!("0oaunknown");
            }),
            "Invalid value for 'client_id' parameter.",
        ),
    ];
    for (what, change, description) in cases {
        let assertion = rsa_assertion_with(&org, change);
        let (status, error, got) = oauth_error(&org.grant(&assertion, BOTH_SCOPES, None));
        assert_eq!(
            (status.as_u16(), error.as_str(), got.as_str()),
            (401, "invalid_client", description),
            "{what}"
        );
    }
    // Within the allowed skew (60 s) is fine.
    let assertion = rsa_assertion_with(&org, move |c| {
        c["iat"] = json!(now + 50);
        c["exp"] = json!(now + 350);
    });
    assert_eq!(
        org.grant(&assertion, BOTH_SCOPES, None).status(),
        StatusCode::OK
    );
}

#[test]
fn a_replayed_jti_is_refused() {
    let mut org = Org::new();
    let assertion = org.rsa_assertion();
    assert_eq!(
        org.grant(&assertion, BOTH_SCOPES, None).status(),
        StatusCode::OK
    );
    assert_oauth_error(
        &org.grant(&assertion, BOTH_SCOPES, None),
        401,
        "invalid_client",
        "The client_assertion token has already been used.",
    );
    // Without a jti, an assertion may be reused until it expires (Okta: the
    // jti is optional).
    let reusable = rsa_assertion_with(&org, |c| {
        c.as_object_mut().unwrap().remove("jti");
    });
    for _ in 0..2 {
        assert_eq!(
            org.grant(&reusable, BOTH_SCOPES, None).status(),
            StatusCode::OK
        );
    }
}

#[test]
fn scopes_must_be_granted() {
    let mut org = Org::new();
    let assertion = org.ec_assertion(EC_APP);
    assert_oauth_error(
        &org.grant(&assertion, "okta.users.read okta.users.manage", None),
        400,
        "invalid_scope",
        "The requested scope is invalid, unknown, or malformed: okta.users.manage is not granted \
         to this client.",
    );
    let assertion = org.ec_assertion(EC_APP);
    assert_oauth_error(
        &org.grant(&assertion, "", None),
        400,
        "invalid_scope",
        "The authorization server resource does not have any configured default scopes, 'scope' \
         must be provided.",
    );
}

#[test]
fn the_grant_and_the_client_authentication_are_checked() {
    let mut org = Org::new();
    let assertion = org.rsa_assertion();
    let response = org.token_request(
        &[
            ("grant_type", "authorization_code"),
            ("scope", BOTH_SCOPES),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ],
        None,
    );
    assert_oauth_error(
        &response,
        400,
        "unsupported_grant_type",
        "The authorization grant type is not supported by the authorization server. Configured \
         grant types: [client_credentials].",
    );
    let response = org.token_request(
        &[("grant_type", "client_credentials"), ("scope", BOTH_SCOPES)],
        None,
    );
    assert_oauth_error(
        &response,
        401,
        "invalid_client",
        "No client credentials found.",
    );
    // alg none / HS256 are not accepted.
    let claims = org.claims(RSA_APP);
    let hs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    assert_oauth_error(
        &org.grant(&hs256, BOTH_SCOPES, None),
        401,
        "invalid_client",
        "The client_assertion JWT 'alg' is not supported: use RS256 or ES256.",
    );
    assert_oauth_error(
        &org.grant("not-a-jwt", BOTH_SCOPES, None),
        401,
        "invalid_client",
        "The client_assertion token is malformed.",
    );
    // GET is not a token request.
    let response = org
        .sim
        .handle(Request::builder().uri(TOKEN_URL).body(Vec::new()).unwrap());
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(header(&response, "allow"), "POST");
}

// ----- DPoP at the token endpoint -----

#[test]
fn dpop_nonce_dance_then_a_dpop_bound_token() {
    let mut org = Org::new();
    // Without a proof: refused.
    let assertion = org.ec_assertion(DPOP_APP);
    assert_oauth_error(
        &org.grant(&assertion, BOTH_SCOPES, None),
        400,
        "invalid_dpop_proof",
        "The DPoP proof JWT header is missing.",
    );
    // A proof without a nonce: the nonce challenge, as Okta on the first request.
    let proof = org.proof("POST", TOKEN_URL, None, None);
    let assertion = org.ec_assertion(DPOP_APP);
    let first = org.grant(&assertion, BOTH_SCOPES, Some(&proof));
    assert_oauth_error(
        &first,
        400,
        "use_dpop_nonce",
        "Authorization server requires nonce in DPoP proof.",
    );
    let nonce = header(&first, "dpop-nonce").to_owned();
    assert!(nonce.len() >= 16, "{nonce:?}");
    // The assertion's jti was consumed by the refused request.
    let proof = org.proof("POST", TOKEN_URL, Some(&nonce), None);
    assert_oauth_error(
        &org.grant(&assertion, BOTH_SCOPES, Some(&proof)),
        401,
        "invalid_client",
        "The client_assertion token has already been used.",
    );
    // Fresh assertion, fresh proof with the nonce: a DPoP token.
    let proof = org.proof("POST", TOKEN_URL, Some(&nonce), None);
    let assertion = org.ec_assertion(DPOP_APP);
    let response = org.grant(&assertion, BOTH_SCOPES, Some(&proof));
    assert_eq!(response.status(), StatusCode::OK, "{}", text(&response));
    let token = body(&response)["access_token"].as_str().unwrap().to_owned();
    assert_eq!(body(&response)["token_type"], "DPoP");
    // It works at the API with a proof of the same key.
    let listed = org.list_with_dpop(&token, None);
    assert_eq!(listed.status(), StatusCode::OK, "{}", text(&listed));
    let stats = org.sim.oauth_stats();
    assert_eq!(stats.nonce_challenges, 1);
    assert_eq!(stats.tokens_issued_to(DPOP_APP), 1);
}

#[test]
fn token_endpoint_proof_checks() {
    let mut org = Org::new();
    let nonce = {
        let proof = org.proof("POST", TOKEN_URL, None, None);
        let assertion = org.ec_assertion(DPOP_APP);
        let first = org.grant(&assertion, BOTH_SCOPES, Some(&proof));
        header(&first, "dpop-nonce").to_owned()
    };
    let now = org.now();
    let dpop_jwk = jwk("ec-p256-dpop.jwk.json");
    let good_claims = |jti: &str| json!({"htm": "POST", "htu": TOKEN_URL, "iat": now, "jti": jti, "nonce": nonce});
    let dpop_key = ec_key("ec-p256-dpop.pem");
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "wrong htm",
            org.proof("GET", TOKEN_URL, Some(&nonce), None),
            "'htm' claim in the DPoP proof JWT is invalid.",
        ),
        (
            "wrong htu",
            org.proof(
                "POST",
                "https://dev-123456.okta.com/oauth2/v1/authorize",
                Some(&nonce),
                None,
            ),
            "'htu' claim in the DPoP proof JWT is invalid.",
        ),
        (
            "iat 10 minutes ahead",
            org.proof_with(&json!({"htm": "POST", "htu": TOKEN_URL, "iat": now + 600,
                "jti": unique("p"), "nonce": nonce})),
            "'iat' claim in the DPoP proof JWT is too far from the server's time: check the \
             client's clock.",
        ),
        (
            "typ JWT",
            sign(
                &json!({"typ": "JWT", "alg": "ES256", "jwk": dpop_jwk}),
                &good_claims(&unique("p")),
                &dpop_key,
                Algorithm::ES256,
            ),
            "'typ' header in the DPoP proof JWT is invalid.",
        ),
        (
            "a private key in the jwk",
            {
                let mut private = dpop_jwk.clone();
                private["d"] = json!("AAAA");
                sign(
                    &json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": private}),
                    &good_claims(&unique("p")),
                    &dpop_key,
                    Algorithm::ES256,
                )
            },
            "'jwk' header in the DPoP proof JWT must not contain a private key.",
        ),
        (
            "signed by another key than its jwk",
            sign(
                &json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": dpop_jwk}),
                &good_claims(&unique("p")),
                &ec_key("ec-p256.pem"),
                Algorithm::ES256,
            ),
            "The DPoP proof JWT signature is invalid.",
        ),
        (
            "the client-authentication key",
            sign(
                &json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk("ec-p256.jwk.json")}),
                &good_claims(&unique("p")),
                &ec_key("ec-p256.pem"),
                Algorithm::ES256,
            ),
            "The DPoP proof JWT is signed with a key registered for client authentication: DPoP \
             needs a key of its own.",
        ),
        (
            "not a JWT",
            "garbage".to_owned(),
            "DPoP proof JWT cannot be parsed.",
        ),
    ];
    for (what, proof, description) in cases {
        let assertion = org.ec_assertion(DPOP_APP);
        let (status, error, got) = oauth_error(&org.grant(&assertion, BOTH_SCOPES, Some(&proof)));
        assert_eq!(
            (status.as_u16(), error.as_str(), got.as_str()),
            (400, "invalid_dpop_proof", description),
            "{what}"
        );
    }
    // A replayed proof.
    let proof = org.proof("POST", TOKEN_URL, Some(&nonce), None);
    let assertion = org.ec_assertion(DPOP_APP);
    assert_eq!(
        org.grant(&assertion, BOTH_SCOPES, Some(&proof)).status(),
        StatusCode::OK
    );
    let assertion = org.ec_assertion(DPOP_APP);
    assert_oauth_error(
        &org.grant(&assertion, BOTH_SCOPES, Some(&proof)),
        400,
        "invalid_dpop_proof",
        "The DPoP proof JWT has already been used.",
    );
}

#[test]
fn a_rotated_nonce_is_stale() {
    let mut org = Org::new();
    let old = {
        let proof = org.proof("POST", TOKEN_URL, None, None);
        let assertion = org.ec_assertion(DPOP_APP);
        header(
            &org.grant(&assertion, BOTH_SCOPES, Some(&proof)),
            "dpop-nonce",
        )
        .to_owned()
    };
    org.sim.rotate_dpop_nonce();
    let proof = org.proof("POST", TOKEN_URL, Some(&old), None);
    let assertion = org.ec_assertion(DPOP_APP);
    let response = org.grant(&assertion, BOTH_SCOPES, Some(&proof));
    assert_oauth_error(
        &response,
        400,
        "use_dpop_nonce",
        "Authorization server requires nonce in DPoP proof.",
    );
    let new = header(&response, "dpop-nonce").to_owned();
    assert_ne!(new, old);
    let proof = org.proof("POST", TOKEN_URL, Some(&new), None);
    let assertion = org.ec_assertion(DPOP_APP);
    assert_eq!(
        org.grant(&assertion, BOTH_SCOPES, Some(&proof)).status(),
        StatusCode::OK
    );
    assert_eq!(org.sim.oauth_stats().nonce_challenges, 2);
}

#[test]
fn an_app_without_dpop_gets_a_bearer_token_even_with_a_proof() {
    let mut org = Org::new();
    let proof = org.proof("POST", TOKEN_URL, None, None);
    let assertion = org.rsa_assertion();
    let response = org.grant(&assertion, BOTH_SCOPES, Some(&proof));
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body(&response)["token_type"], "Bearer");
}

// ----- the API -----

#[test]
fn dpop_bound_tokens_need_a_matching_proof_at_the_api() {
    let mut org = Org::new();
    let token = org.dpop_token(BOTH_SCOPES);
    let url = org.factors_url();
    let auth = format!("DPoP {token}");
    let resource = format!("/api/v1/users/{}/factors", org.user);
    let expect_400 = |response: &Response<Vec<u8>>, description: &str| {
        assert_eq!(
            response.status(),
            StatusCode::BAD_REQUEST,
            "{}",
            text(response)
        );
        assert_eq!(body(response)["errorCode"], "E0000011");
        assert_eq!(
            body(response)["errorCauses"][0]["errorSummary"],
            description
        );
        assert_eq!(
            header(response, "www-authenticate"),
            format!(
                "DPoP algs=\"RS256 ES256\", authorization_uri=\"{ORG}/oauth2/v1/authorize\", \
                 realm=\"{ORG}\", scope=\"okta.users.read\", error=\"invalid_dpop_proof\", \
                 error_description=\"{description}\", resource=\"{resource}\""
            )
        );
    };

    // No proof.
    let response = org.api(Method::GET, &url, &auth, None, "");
    expect_400(&response, "The DPoP proof JWT header is missing.");
    // A proof for another token (ath).
    let proof = org.proof("GET", &url, None, Some("another-token"));
    let response = org.api(Method::GET, &url, &auth, Some(&proof), "");
    expect_400(&response, "'ath' claim in the DPoP proof JWT is invalid.");
    // A proof for another method and another URL.
    let proof = org.proof("POST", &url, None, Some(&token));
    expect_400(
        &org.api(Method::GET, &url, &auth, Some(&proof), ""),
        "'htm' claim in the DPoP proof JWT is invalid.",
    );
    let proof = org.proof("GET", &format!("{url}/catalog"), None, Some(&token));
    expect_400(
        &org.api(Method::GET, &url, &auth, Some(&proof), ""),
        "'htu' claim in the DPoP proof JWT is invalid.",
    );
    // The query is not part of htu.
    let proof = org.proof("GET", &url, None, Some(&token));
    let response = org.api(Method::GET, &format!("{url}?x=1"), &auth, Some(&proof), "");
    assert_eq!(response.status(), StatusCode::OK, "{}", text(&response));
    // The same proof again.
    expect_400(
        &org.api(Method::GET, &url, &auth, Some(&proof), ""),
        "The DPoP proof JWT has already been used.",
    );
    // A valid proof by another key than the token's.
    let other_jwk = jwk("rsa-2048-other.jwk.json");
    let claims = json!({"htm": "GET", "htu": url, "iat": org.now(), "jti": unique("p"),
        "ath": ath(&token)});
    let proof = sign(
        &json!({"typ": "dpop+jwt", "alg": "RS256", "jwk": other_jwk}),
        &claims,
        &rsa_key("rsa-2048-other.pem"),
        Algorithm::RS256,
    );
    let response = org.api(Method::GET, &url, &auth, Some(&proof), "");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(header(&response, "www-authenticate").contains(
        "error=\"invalid_token\", error_description=\"The DPoP proof is not signed with the key \
         the access token is bound to.\""
    ));
    // The bound token as a Bearer token.
    let response = org.api(Method::GET, &url, &format!("Bearer {token}"), None, "");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body(&response)["errorCode"], "E0000011");
    assert!(header(&response, "www-authenticate").starts_with("DPoP algs="));
    assert!(header(&response, "www-authenticate").contains("error=\"invalid_token\""));
    // A Bearer token with the DPoP scheme.
    let bearer = org.bearer_token(BOTH_SCOPES);
    let proof = org.proof("GET", &url, None, Some(&bearer));
    let response = org.api(
        Method::GET,
        &url,
        &format!("DPoP {bearer}"),
        Some(&proof),
        "",
    );
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let stats = org.sim.oauth_stats();
    assert_eq!(stats.auth_refusals, 8);
}

#[test]
fn scopes_are_enforced_per_operation() {
    let mut org = Org::new();
    // The EC app has okta.users.read only.
    let assertion = org.ec_assertion(EC_APP);
    let token = body(&org.grant(&assertion, "okta.users.read", None))["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let auth = format!("Bearer {token}");
    let url = org.factors_url();
    for read in [
        url.clone(),
        format!("{url}/catalog"),
        format!("{url}/questions"),
    ] {
        let response = org.api(Method::GET, &read, &auth, None, "");
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{read}: {}",
            text(&response)
        );
    }
    let enroll = r#"{"factorType":"question","provider":"OKTA",
        "profile":{"question":"favorite_art_piece","answer":"Mona Lisa"}}"#;
    let response = org.api(Method::POST, &url, &auth, None, enroll);
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(&response)["errorCode"], "E0000006");
    assert_eq!(
        body(&response)["errorSummary"],
        "You do not have permission to perform the requested action"
    );
    assert_eq!(
        header(&response, "www-authenticate"),
        format!(
            "Bearer authorization_uri=\"{ORG}/oauth2/v1/authorize\", realm=\"{ORG}\", \
             scope=\"okta.users.manage\", error=\"insufficient_scope\", error_description=\"The \
             access token provided does not contain the required scopes.\", resource=\"/api/v1/users/{}/factors\"",
            org.user
        )
    );
    // A manage token does both.
    let manage = org.bearer_token("okta.users.manage");
    let auth = format!("Bearer {manage}");
    let response = org.api(Method::POST, &url, &auth, None, enroll);
    assert_eq!(response.status(), StatusCode::OK, "{}", text(&response));
    let factor_id = body(&response)["id"].as_str().unwrap().to_owned();
    let response = org.api(Method::GET, &format!("{url}/{factor_id}"), &auth, None, "");
    assert_eq!(response.status(), StatusCode::OK);
    let response = org.api(
        Method::DELETE,
        &format!("{url}/{factor_id}"),
        &auth,
        None,
        "",
    );
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(org.sim.oauth_stats().auth_refusals, 1);
}

#[test]
fn expired_and_unknown_tokens_get_invalid_token() {
    let mut org = Org::with_config(
        SimulatorConfig::new(API_TOKEN).access_token_lifetime(Duration::from_secs(600)),
    );
    let token = org.bearer_token(BOTH_SCOPES);
    let url = org.factors_url();
    let auth = format!("Bearer {token}");
    assert_eq!(
        org.api(Method::GET, &url, &auth, None, "").status(),
        StatusCode::OK
    );
    let expect = |response: &Response<Vec<u8>>, description: &str| {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(body(response)["errorCode"], "E0000011");
        assert_eq!(body(response)["errorSummary"], "Invalid token provided");
        let challenge = header(response, "www-authenticate");
        assert!(
            challenge.starts_with("Bearer authorization_uri="),
            "{challenge}"
        );
        assert!(
            challenge.contains(&format!(
                "error=\"invalid_token\", error_description=\"{description}\""
            )),
            "{challenge}"
        );
    };
    // The configured lifetime.
    org.clock.advance(Duration::from_secs(599));
    assert_eq!(
        org.api(Method::GET, &url, &auth, None, "").status(),
        StatusCode::OK
    );
    org.clock.advance(Duration::from_secs(1));
    expect(
        &org.api(Method::GET, &url, &auth, None, ""),
        "The token has expired.",
    );
    // expire_tokens.
    let token = org.bearer_token(BOTH_SCOPES);
    assert_eq!(org.sim.expire_tokens(), 1);
    expect(
        &org.api(Method::GET, &url, &format!("Bearer {token}"), None, ""),
        "The token has expired.",
    );
    expect(
        &org.api(Method::GET, &url, "Bearer made-up", None, ""),
        "The access token is invalid.",
    );
    // The API token still works, and still without a challenge when wrong.
    assert_eq!(
        org.api(Method::GET, &url, &format!("SSWS {API_TOKEN}"), None, "")
            .status(),
        StatusCode::OK
    );
    let response = org.api(Method::GET, &url, "SSWS wrong", None, "");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(header(&response, "www-authenticate"), "");
}

#[test]
fn the_api_nonce_when_configured() {
    let mut org = Org::with_config(SimulatorConfig::new(API_TOKEN).dpop_resource_nonce(true));
    let token = org.dpop_token(BOTH_SCOPES);
    let response = org.list_with_dpop(&token, None);
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = header(&response, "www-authenticate");
    assert!(
        challenge.starts_with("DPoP algs=\"RS256 ES256\""),
        "{challenge}"
    );
    assert!(challenge.contains(
        "error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in DPoP proof.\""
    ));
    let nonce = header(&response, "dpop-nonce").to_owned();
    assert!(!nonce.is_empty());
    let response = org.list_with_dpop(&token, Some(&nonce));
    assert_eq!(response.status(), StatusCode::OK, "{}", text(&response));
    // After a rotation, the old one is stale.
    org.sim.rotate_dpop_nonce();
    let response = org.list_with_dpop(&token, Some(&nonce));
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_ne!(header(&response, "dpop-nonce"), nonce);
    // Token endpoint once, API twice.
    assert_eq!(org.sim.oauth_stats().nonce_challenges, 3);
}

// ----- faults, counters, rate limits -----

#[test]
fn token_faults_refuse_token_requests_only() {
    let mut org = Org::new();
    org.sim.inject(Fault::TokenRefused { count: 2 });
    org.sim.inject(Fault::ServerError { count: 1 });
    for _ in 0..2 {
        let assertion = org.rsa_assertion();
        assert_oauth_error(
            &org.grant(&assertion, BOTH_SCOPES, None),
            401,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    let token = org.bearer_token(BOTH_SCOPES);
    // The API fault is still queued for the API.
    let url = org.factors_url();
    let auth = format!("Bearer {token}");
    assert_eq!(
        org.api(Method::GET, &url, &auth, None, "").status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    assert_eq!(
        org.api(Method::GET, &url, &auth, None, "").status(),
        StatusCode::OK
    );
    org.sim.inject(Fault::TokenUnavailable { count: 1 });
    let assertion = org.rsa_assertion();
    assert_oauth_error(
        &org.grant(&assertion, BOTH_SCOPES, None),
        503,
        "temporarily_unavailable",
        "The authorization server is temporarily unavailable.",
    );
    let stats = org.sim.oauth_stats();
    assert_eq!(stats.token_requests, 4);
    assert_eq!(stats.tokens_issued_to(RSA_APP), 1);
    assert_eq!(stats.tokens_issued_to(EC_APP), 0);
}

#[test]
fn oauth_tokens_have_their_own_rate_limit_bucket() {
    let mut org = Org::with_config(SimulatorConfig::new(API_TOKEN).rate_limit_per_minute(5));
    let token = org.bearer_token(BOTH_SCOPES);
    let url = org.factors_url();
    for remaining in (0..5).rev() {
        let response = org.api(Method::GET, &url, &format!("Bearer {token}"), None, "");
        assert_eq!(
            header(&response, "x-rate-limit-remaining"),
            remaining.to_string()
        );
    }
    let response = org.api(Method::GET, &url, &format!("Bearer {token}"), None, "");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    // The API token's bucket is untouched.
    let response = org.api(Method::GET, &url, &format!("SSWS {API_TOKEN}"), None, "");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, "x-rate-limit-remaining"), "4");
    // API token, service app, token endpoint.
    assert_eq!(org.sim.rate_limit_buckets(), 3);
}

#[test]
fn issued_tokens_stay_out_of_debug() {
    let mut org = Org::new();
    let token = org.bearer_token(BOTH_SCOPES);
    let debug = format!("{:?}", org.sim);
    assert!(!debug.contains(&token), "{debug}");
    assert!(debug.contains(RSA_APP));
}

// ----- registration -----

#[test]
fn registration_refuses_what_okta_would() {
    let mut sim = Simulator::default();
    let err = |app: ServiceApp, sim: &mut Simulator| sim.register_service_app(app).unwrap_err();
    assert_eq!(
        err(ServiceApp::new("0oanokeys"), &mut sim),
        ServiceAppError::NoKeys("0oanokeys".into())
    );
    assert_eq!(
        err(
            ServiceApp::new("").jwk(key_file("rsa-2048.jwk.json")),
            &mut sim
        ),
        ServiceAppError::InvalidClientId(String::new())
    );
    assert_eq!(
        err(
            ServiceApp::new("0oaweak").jwk(key_file("rsa-1024.jwk.json")),
            &mut sim
        ),
        ServiceAppError::InvalidJwk {
            client_id: "0oaweak".into(),
            index: 0,
            reason: JwkError::WeakRsaKey { bits: 1024 },
        }
    );
    let mut private = jwk("ec-p256.jwk.json");
    private["d"] = json!("AAAA");
    assert!(matches!(
        err(
            ServiceApp::new("0oaprivate").jwk(private.to_string()),
            &mut sim
        ),
        ServiceAppError::InvalidJwk {
            reason: JwkError::PrivateKey("d"),
            ..
        }
    ));
    let set = json!({"keys": [jwk("rsa-2048.jwk.json"), jwk("rsa-2048.jwk.json")]});
    assert_eq!(
        err(ServiceApp::new("0oatwins").jwk(set.to_string()), &mut sim),
        ServiceAppError::DuplicateKid {
            client_id: "0oatwins".into(),
            kid: "rsa-1".into()
        }
    );
    // A JWK Set with both keys is fine, once.
    let set = json!({"keys": [jwk("rsa-2048.jwk.json"), jwk("ec-p256.jwk.json")]});
    sim.register_service_app(ServiceApp::new("0oaset").jwk(set.to_string()))
        .unwrap();
    assert_eq!(
        err(
            ServiceApp::new("0oaset").jwk(key_file("rsa-2048.jwk.json")),
            &mut sim
        ),
        ServiceAppError::DuplicateClientId("0oaset".into())
    );
    // The messages say what is wrong.
    assert_eq!(
        ServiceAppError::InvalidJwk {
            client_id: "0oaweak".into(),
            index: 0,
            reason: JwkError::WeakRsaKey { bits: 1024 },
        }
        .to_string(),
        "key #0 of service app 0oaweak: the RSA key has 1024 bits; at least 2048 are required"
    );
}

// ----- over HTTP -----

/// One HTTP/1.1 exchange on a fresh connection: status, headers (lowercase
/// names), body.
fn http(
    addr: std::net::SocketAddr,
    head: &str,
    body: &str,
) -> (u16, Vec<(String, String)>, String) {
    use std::io::{Read, Write};
    let mut conn = std::net::TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "{head}Host: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    conn.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_owned()))
        .collect();
    (status, headers, body.to_owned())
}

#[test]
fn the_dpop_flow_over_http() {
    let server = okta_factors_sim::SimServer::start_new(SimulatorConfig::new(API_TOKEN)).unwrap();
    let sim = server.simulator();
    let user = sim.create_user("alice@example.com");
    sim.register_service_app(
        ServiceApp::new(DPOP_APP)
            .jwk(key_file("ec-p256.jwk.json"))
            .require_dpop(true),
    )
    .unwrap();
    let base = server.url().to_owned();
    let token_url = format!("{base}/oauth2/v1/token");
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let dpop_header =
        json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": jwk("ec-p256-dpop.jwk.json")});
    let proof = |htm: &str, htu: &str, nonce: Option<&str>, token: Option<&str>| {
        let mut claims = json!({"htm": htm, "htu": htu, "iat": now, "jti": unique("proof")});
        if let Some(nonce) = nonce {
            claims["nonce"] = json!(nonce);
        }
        if let Some(token) = token {
            claims["ath"] = json!(ath(token));
        }
        sign(
            &dpop_header,
            &claims,
            &ec_key("ec-p256-dpop.pem"),
            Algorithm::ES256,
        )
    };
    let form = || {
        let claims = json!({"iss": DPOP_APP, "sub": DPOP_APP, "aud": token_url, "iat": now,
            "exp": now + 300, "jti": unique("assertion")});
        let assertion = jsonwebtoken::encode(
            &Header::new(Algorithm::ES256),
            &claims,
            &ec_key("ec-p256.pem"),
        )
        .unwrap();
        format!(
            "grant_type=client_credentials&scope=okta.users.read+okta.users.manage\
             &client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer\
             &client_assertion={assertion}"
        )
    };
    let post = |dpop: &str| {
        http(
            server.local_addr(),
            &format!(
                "POST /oauth2/v1/token HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n\
                 DPoP: {dpop}\r\n"
            ),
            &form(),
        )
    };
    let (status, headers, _) = post(&proof("POST", &token_url, None, None));
    assert_eq!(status, 400);
    let nonce = headers
        .iter()
        .find(|(n, _)| n == "dpop-nonce")
        .map(|(_, v)| v.clone())
        .unwrap();
    let (status, _, body) = post(&proof("POST", &token_url, Some(&nonce), None));
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["token_type"], "DPoP");
    let token = body["access_token"].as_str().unwrap();
    let path = format!("/api/v1/users/{user}/factors");
    let dpop = proof("GET", &format!("{base}{path}"), None, Some(token));
    let (status, _, body) = http(
        server.local_addr(),
        &format!("GET {path} HTTP/1.1\r\nAuthorization: DPoP {token}\r\nDPoP: {dpop}\r\n"),
        "",
    );
    assert_eq!((status, body.as_str()), (200, "[]"));
    assert_eq!(sim.oauth_stats().tokens_issued_to(DPOP_APP), 1);
}

#[test]
fn extreme_numbers_are_refused_not_panicked_on() {
    for skew in [Duration::ZERO, Duration::from_secs(60), Duration::MAX] {
        let mut org = Org::with_config(SimulatorConfig::new(API_TOKEN).oauth_clock_skew(skew));
        for (iat, exp) in [
            (json!(i64::MIN), json!(i64::MAX)),
            (json!(i64::MAX), json!(i64::MIN)),
            (json!(-1e300), json!(1e300)),
            (json!(u64::MAX), json!(u64::MAX)),
            (json!("now"), json!(null)),
        ] {
            let assertion = rsa_assertion_with(&org, |c| {
                c["iat"] = iat.clone();
                c["exp"] = exp.clone();
            });
            let status = org.grant(&assertion, BOTH_SCOPES, None).status();
            assert!(
                status == StatusCode::UNAUTHORIZED || status == StatusCode::OK,
                "{skew:?} {iat} {exp}: {status}"
            );
            let proof = org.proof_with(&json!({"htm": "POST", "htu": TOKEN_URL, "iat": iat,
                "jti": unique("p")}));
            let assertion = org.ec_assertion(DPOP_APP);
            let status = org.grant(&assertion, BOTH_SCOPES, Some(&proof)).status();
            assert_eq!(status, StatusCode::BAD_REQUEST, "{skew:?} {iat}");
        }
    }
}
