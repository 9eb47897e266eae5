//! The org authorization server's token endpoint on the wire: the client
//! credentials grant with a `private_key_jwt` client assertion (RFC 6749
//! §4.4, RFC 7523), optionally with a DPoP proof (RFC 9449), and its answers.

use http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use http::{HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri};
use serde_json::{Map, Value};

use crate::model::Secret;
use crate::org_url::OrgUrl;
use crate::request::CRATE_USER_AGENT;
use crate::response::excerpt;

/// The org authorization server's token endpoint.
pub(crate) const TOKEN_PATH: &str = "/oauth2/v1/token";

/// The request header that carries a DPoP proof.
pub(crate) const DPOP: HeaderName = HeaderName::from_static("dpop");

/// The response header that carries a server's DPoP nonce.
pub(crate) const DPOP_NONCE: HeaderName = HeaderName::from_static("dpop-nonce");

const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// `{org}/oauth2/v1/token`: the `aud` of the client assertion, and the `htu`
/// of the token request's DPoP proof.
pub(crate) fn token_url(org: &OrgUrl) -> String {
    let mut url = String::with_capacity(org.as_str().len() + TOKEN_PATH.len());
    url.push_str(org.as_str());
    url.push_str(TOKEN_PATH);
    url
}

/// `POST {org}/oauth2/v1/token` with `Content-Type:
/// application/x-www-form-urlencoded`, `Accept: application/json` and the
/// crate's `User-Agent`; the body `grant_type=client_credentials`, `scope`
/// (space-joined; left out when there are none), `client_assertion_type`
/// (jwt-bearer) and `client_assertion`; `DPoP: <proof>` when given, marked
/// sensitive (a proof that is no valid header value, which this crate never
/// builds, is left out).
pub(crate) fn token_request(
    org: &OrgUrl,
    scopes: &[String],
    assertion: &Secret,
    dpop_proof: Option<&Secret>,
) -> Request<Vec<u8>> {
    let scope = scopes.join(" ");
    let mut form: Vec<(&str, &str)> = Vec::with_capacity(4);
    form.push(("grant_type", "client_credentials"));
    if !scope.is_empty() {
        form.push(("scope", &scope));
    }
    form.push(("client_assertion_type", CLIENT_ASSERTION_TYPE));
    form.push(("client_assertion", assertion.expose()));
    // Pairs of strings always encode.
    let body = serde_urlencoded::to_string(&form).unwrap_or_default();

    let mut request = Request::new(body.into_bytes());
    *request.method_mut() = Method::POST;
    // An OrgUrl is a parsed URI's origin, so its token URL parses too.
    *request.uri_mut() = token_url(org)
        .parse()
        .unwrap_or_else(|_| Uri::from_static(TOKEN_PATH));
    let headers = request.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, HeaderValue::from_static(CRATE_USER_AGENT));
    if let Some(proof) = dpop_proof {
        if let Ok(mut value) = HeaderValue::from_str(proof.expose()) {
            value.set_sensitive(true);
            headers.insert(DPOP, value);
        }
    }
    request
}

/// A token the endpoint granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenGrant {
    pub(crate) access_token: Secret,
    /// `Bearer` when the response has no `token_type`.
    pub(crate) token_type: TokenType,
    /// Seconds (`expires_in`: a number, or a string of digits).
    pub(crate) expires_in: Option<u64>,
    /// The granted scopes, space-separated.
    pub(crate) scope: Option<String>,
}

/// How an access token is presented (`token_type`, matched case-insensitively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenType {
    /// `Authorization: Bearer <token>`.
    Bearer,
    /// `Authorization: DPoP <token>` with a proof that has `ath`.
    DPoP,
    /// Another type, as sent.
    Other(String),
}

impl TokenType {
    fn parse(value: &str) -> Self {
        if value.eq_ignore_ascii_case("bearer") {
            Self::Bearer
        } else if value.eq_ignore_ascii_case("dpop") {
            Self::DPoP
        } else {
            Self::Other(value.to_owned())
        }
    }

    /// The `Authorization` scheme: `Bearer`, `DPoP`, or the type as sent.
    #[cfg(test)]
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Self::Bearer => "Bearer",
            Self::DPoP => "DPoP",
            Self::Other(other) => other,
        }
    }
}

/// Why the endpoint granted no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenFailure {
    pub(crate) status: StatusCode,
    /// The OAuth `error` (`invalid_client`, `use_dpop_nonce`, …); also Okta's
    /// `errorCode` when it carries an OAuth error code (`invalid_client`).
    pub(crate) error: Option<String>,
    /// `error_description` (or Okta's `errorSummary` with such an `errorCode`).
    pub(crate) description: Option<String>,
    /// The `DPoP-Nonce` response header.
    pub(crate) dpop_nonce: Option<String>,
    /// The start of a body that is no OAuth error (at most
    /// [`UnexpectedResponse::EXCERPT_LIMIT`](crate::UnexpectedResponse::EXCERPT_LIMIT) bytes, lossy UTF-8, control
    /// characters replaced); empty for an OAuth error. A body that names a
    /// token member (`access_token`, …) is never quoted: a JSON object's
    /// member names are listed instead.
    pub(crate) excerpt: String,
}

/// Members whose values are secrets: a body with one is never quoted.
const SECRET_MEMBERS: [&str; 4] = ["access_token", "refresh_token", "id_token", "device_secret"];

/// `200` with a JSON object holding a non-empty string `access_token`: the
/// grant. Anything else is a [`TokenFailure`]. Never panics; unknown members
/// are ignored. Any body type: `Vec<u8>`, `Bytes`, …
pub(crate) fn parse_token_response<B: AsRef<[u8]>>(
    response: &Response<B>,
) -> Result<TokenGrant, TokenFailure> {
    let status = response.status();
    let body = response.body().as_ref();
    let dpop_nonce = response
        .headers()
        .get(DPOP_NONCE)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|nonce| !nonce.is_empty())
        .map(str::to_owned);
    let json = serde_json::from_slice::<Value>(body).ok();
    let object = json.as_ref().and_then(Value::as_object);

    if status == StatusCode::OK {
        if let Some(Value::String(token)) = object.and_then(|map| map.get("access_token")) {
            if !token.is_empty() {
                let map = object.into_iter().flatten();
                let mut grant = TokenGrant {
                    access_token: Secret::new(token.clone()),
                    token_type: TokenType::Bearer,
                    expires_in: None,
                    scope: None,
                };
                for (name, value) in map {
                    match (name.as_str(), value) {
                        ("token_type", Value::String(kind)) => {
                            grant.token_type = TokenType::parse(kind)
                        }
                        ("expires_in", value) => grant.expires_in = seconds(value),
                        ("scope", Value::String(scope)) => grant.scope = Some(scope.clone()),
                        _ => {}
                    }
                }
                return Ok(grant);
            }
        }
    }

    let (error, description) = object.map(oauth_error).unwrap_or_default();
    let holds_secrets = SECRET_MEMBERS
        .iter()
        .any(|member| body.windows(member.len()).any(|w| w == member.as_bytes()));
    let excerpt = match (error.is_some(), object) {
        (true, _) => String::new(),
        (false, Some(map)) if holds_secrets => member_names(map),
        (false, _) if holds_secrets => "a body with token members (not shown)".to_owned(),
        (false, _) => excerpt(body),
    };
    Err(TokenFailure {
        status,
        error,
        description,
        dpop_nonce,
        excerpt,
    })
}

/// `error` and `error_description`; else Okta's `errorCode` and
/// `errorSummary` when the code is an OAuth one (lower case, digits and `_`,
/// as `invalid_client`; not an `E0000…` code).
fn oauth_error(map: &Map<String, Value>) -> (Option<String>, Option<String>) {
    let text = |name: &str| match map.get(name) {
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        _ => None,
    };
    if let Some(error) = text("error") {
        return (Some(error), text("error_description"));
    }
    match text("errorCode") {
        Some(code)
            if code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
        {
            (Some(code), text("errorSummary"))
        }
        _ => (None, None),
    }
}

/// Seconds from a JSON number or a string of digits; `None` for anything else
/// (negative, fractional beyond range, another type).
fn seconds(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0 && *f < u64::MAX as f64)
                .map(|f| f as u64)
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// `a JSON object with members a, b, c`, bounded.
fn member_names(map: &Map<String, Value>) -> String {
    let names: Vec<&str> = map.keys().map(String::as_str).collect();
    excerpt(format!("a JSON object with members {}", names.join(", ")).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::UnexpectedResponse;
    use proptest::prelude::*;

    fn org() -> OrgUrl {
        OrgUrl::parse("https://dev-123456.okta.com").unwrap()
    }

    fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
        let mut builder = Response::builder().status(status);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(body.as_bytes().to_vec()).unwrap()
    }

    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn the_token_url_is_the_orgs() {
        assert_eq!(
            token_url(&org()),
            "https://dev-123456.okta.com/oauth2/v1/token"
        );
        let local = OrgUrl::parse("http://127.0.0.1:8080/").unwrap();
        assert_eq!(token_url(&local), "http://127.0.0.1:8080/oauth2/v1/token");
    }

    #[test]
    fn the_token_request_is_exact() {
        let assertion = Secret::new("eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIwb2EifQ.c2ln+/=");
        let proof = Secret::new("eyJ0eXAiOiJkcG9wK2p3dCJ9.eyJqdGkiOiIxIn0.c2ln");
        let scopes = ["okta.users.read".to_owned(), "okta.users.manage".to_owned()];
        let request = token_request(&org(), &scopes, &assertion, Some(&proof));
        assert_eq!(request.method(), Method::POST);
        assert_eq!(request.uri(), "https://dev-123456.okta.com/oauth2/v1/token");
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        assert_eq!(
            headers,
            [
                ("content-type", "application/x-www-form-urlencoded"),
                ("accept", "application/json"),
                ("user-agent", CRATE_USER_AGENT),
                ("dpop", proof.expose()),
            ]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
        assert!(request.headers()["dpop"].is_sensitive());
        // An independent decoder reads the form back.
        let form: Vec<(String, String)> = serde_urlencoded::from_bytes(request.body()).unwrap();
        assert_eq!(
            form,
            [
                ("grant_type", "client_credentials"),
                ("scope", "okta.users.read okta.users.manage"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
                ),
                ("client_assertion", assertion.expose()),
            ]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
        // `+`, `/` and `=` are escaped on the wire.
        let body = String::from_utf8(request.body().clone()).unwrap();
        assert!(body.contains("c2ln%2B%2F%3D"), "{body}");
        assert!(
            body.contains("scope=okta.users.read+okta.users.manage"),
            "{body}"
        );
    }

    #[test]
    fn without_dpop_or_scopes_those_are_left_out() {
        let assertion = Secret::new("a.b.c");
        let request = token_request(&org(), &[], &assertion, None);
        assert!(request.headers().get("dpop").is_none());
        let form: Vec<(String, String)> = serde_urlencoded::from_bytes(request.body()).unwrap();
        let names: Vec<&str> = form.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["grant_type", "client_assertion_type", "client_assertion"]
        );
        // A proof that is no header value is not sent (never built by the crate).
        let request = token_request(&org(), &[], &assertion, Some(&Secret::new("a\nb")));
        assert!(request.headers().get("dpop").is_none());
    }

    #[test]
    fn okta_grants_parse() {
        // Okta's client credentials answers, DPoP-bound and not.
        let dpop = response(
            200,
            &[JSON, ("dpop-nonce", "dpop-nonce-1")],
            r#"{"token_type":"DPoP","expires_in":3600,"access_token":"eyJraWQiOiJ0b2tlbiJ9.eyJ2ZXIiOjF9.c2ln","scope":"okta.users.read okta.users.manage"}"#,
        );
        assert_eq!(
            parse_token_response(&dpop).unwrap(),
            TokenGrant {
                access_token: Secret::new("eyJraWQiOiJ0b2tlbiJ9.eyJ2ZXIiOjF9.c2ln"),
                token_type: TokenType::DPoP,
                expires_in: Some(3600),
                scope: Some("okta.users.read okta.users.manage".to_owned()),
            }
        );
        let bearer = response(
            200,
            &[JSON],
            r#"{"token_type":"Bearer","expires_in":3600,"access_token":"at-1","scope":"okta.users.read"}"#,
        );
        let grant = parse_token_response(&bearer).unwrap();
        assert_eq!(grant.token_type, TokenType::Bearer);
        // The transports' body type reads the same.
        let bytes = bearer.map(bytes::Bytes::from);
        assert_eq!(parse_token_response(&bytes).unwrap(), grant);
        assert_eq!(grant.token_type.as_str(), "Bearer");
        // Case-insensitive, unknown types kept, unknown members ignored,
        // lenient expires_in.
        for (body, token_type, expires_in) in [
            (
                r#"{"access_token":"t","token_type":"dpop","expires_in":"60"}"#,
                TokenType::DPoP,
                Some(60),
            ),
            (
                r#"{"access_token":"t","token_type":"BEARER","expires_in":59.9}"#,
                TokenType::Bearer,
                Some(59),
            ),
            (
                r#"{"access_token":"t","token_type":"N_A","expires_in":-1}"#,
                TokenType::Other("N_A".into()),
                None,
            ),
            (
                r#"{"access_token":"t","expires_in":null,"new":{"x":[1]}}"#,
                TokenType::Bearer,
                None,
            ),
            (
                r#"{"access_token":"t","token_type":7,"expires_in":true,"scope":["a"]}"#,
                TokenType::Bearer,
                None,
            ),
        ] {
            let grant = parse_token_response(&response(200, &[JSON], body)).unwrap();
            assert_eq!(grant.token_type, token_type, "{body}");
            assert_eq!(grant.expires_in, expires_in, "{body}");
            assert_eq!(grant.access_token.expose(), "t");
        }
        assert_eq!(TokenType::Other("N_A".into()).as_str(), "N_A");
    }

    fn failure(status: u16, headers: &[(&str, &str)], body: &str) -> TokenFailure {
        parse_token_response(&response(status, headers, body)).unwrap_err()
    }

    #[test]
    fn okta_oauth_errors_parse() {
        // The shapes Okta documents for its token endpoint.
        let nonce = failure(
            400,
            &[JSON, ("DPoP-Nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v")],
            r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof."}"#,
        );
        assert_eq!(
            nonce,
            TokenFailure {
                status: StatusCode::BAD_REQUEST,
                error: Some("use_dpop_nonce".into()),
                description: Some("Authorization server requires nonce in DPoP proof.".into()),
                dpop_nonce: Some("eyJ7S_zG.eyJH0-Z.HX4w-7v".into()),
                excerpt: String::new(),
            }
        );
        let proof = failure(
            400,
            &[JSON],
            r#"{"error":"invalid_dpop_proof","error_description":"The DPoP proof JWT header is missing."}"#,
        );
        assert_eq!(proof.error.as_deref(), Some("invalid_dpop_proof"));
        assert_eq!(
            proof.description.as_deref(),
            Some("The DPoP proof JWT header is missing.")
        );
        assert_eq!(proof.dpop_nonce, None);
        let client = failure(
            401,
            &[JSON],
            r#"{"error":"invalid_client","error_description":"The client_assertion signature is invalid."}"#,
        );
        assert_eq!(client.status, StatusCode::UNAUTHORIZED);
        assert_eq!(client.error.as_deref(), Some("invalid_client"));
        let scope = failure(
            400,
            &[JSON],
            r#"{"error":"invalid_scope","error_description":"One or more scopes are not configured for the authorization server resource."}"#,
        );
        assert_eq!(scope.error.as_deref(), Some("invalid_scope"));
        // Okta also answers an unknown client in its own error shape.
        let okta_shaped = failure(
            401,
            &[JSON],
            r#"{"errorCode":"invalid_client","errorSummary":"Invalid value for 'client_id' parameter.","errorLink":"invalid_client","errorId":"oaejDJuWCiRTQeH8n6WG2116A","errorCauses":[]}"#,
        );
        assert_eq!(okta_shaped.error.as_deref(), Some("invalid_client"));
        assert_eq!(
            okta_shaped.description.as_deref(),
            Some("Invalid value for 'client_id' parameter.")
        );
        assert_eq!(okta_shaped.excerpt, "");
        // An Okta E-code is no OAuth error: the body is quoted.
        let limited = failure(
            429,
            &[JSON],
            r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorCauses":[]}"#,
        );
        assert_eq!(limited.error, None);
        assert!(limited.excerpt.starts_with(r#"{"errorCode":"E0000047""#));
    }

    #[test]
    fn odd_bodies_are_failures_never_panics() {
        let html = failure(
            502,
            &[("content-type", "text/html")],
            "<html>\n<h1>Bad\tGateway</h1></html>",
        );
        assert_eq!(html.error, None);
        assert_eq!(html.excerpt, "<html> <h1>Bad Gateway</h1></html>");
        let empty = failure(500, &[], "");
        assert_eq!((empty.error, empty.excerpt.as_str()), (None, ""));
        let long = failure(503, &[], &"é".repeat(300));
        assert!(long.excerpt.len() <= UnexpectedResponse::EXCERPT_LIMIT);
        assert!(long.excerpt.starts_with("éé"));
        // Wrong types: no OAuth error, the body quoted.
        let wrong = failure(400, &[JSON], r#"{"error":42,"error_description":["x"]}"#);
        assert_eq!(wrong.error, None);
        assert_eq!(wrong.excerpt, r#"{"error":42,"error_description":["x"]}"#);
        let description_wrong = failure(
            400,
            &[JSON],
            r#"{"error":"invalid_grant","error_description":7}"#,
        );
        assert_eq!(description_wrong.error.as_deref(), Some("invalid_grant"));
        assert_eq!(description_wrong.description, None);
        // 200s without a usable token.
        for body in [
            "not json",
            "[]",
            r#"{"access_token":""}"#,
            r#"{"access_token":5,"token_type":"Bearer"}"#,
            r#"{"token_type":"Bearer"}"#,
        ] {
            let failed = failure(200, &[JSON], body);
            assert_eq!(failed.status, StatusCode::OK, "{body}");
        }
        // A 200 that is an OAuth error.
        let error_200 = failure(200, &[JSON], r#"{"error":"server_error"}"#);
        assert_eq!(error_200.error.as_deref(), Some("server_error"));
        // A nonce header that is empty or not text is none.
        let bad_nonce = parse_token_response(
            &Response::builder()
                .status(400)
                .header("dpop-nonce", HeaderValue::from_bytes(b"\xff\xfe").unwrap())
                .body(Vec::new())
                .unwrap(),
        )
        .unwrap_err();
        assert_eq!(bad_nonce.dpop_nonce, None);
        assert_eq!(failure(400, &[("dpop-nonce", "  ")], "").dpop_nonce, None);
    }

    #[test]
    fn a_token_in_a_failure_is_never_quoted() {
        for (status, body) in [
            (
                201,
                r#"{"access_token":"S3CR3T-TOKEN","token_type":"Bearer"}"#,
            ),
            (
                200,
                r#"{"access_token":["S3CR3T-TOKEN"],"refresh_token":"S3CR3T-TOKEN"}"#,
            ),
            (400, r#"{"id_token":"S3CR3T-TOKEN"}"#),
            (200, "access_token=S3CR3T-TOKEN&token_type=bearer"),
        ] {
            let failed = failure(status, &[JSON], body);
            assert!(!format!("{failed:?}").contains("S3CR3T"), "{failed:?}");
            assert!(failed.excerpt.starts_with('a'), "{failed:?}");
        }
        // A grant's Debug hides its token.
        let grant = parse_token_response(&response(
            200,
            &[JSON],
            r#"{"access_token":"S3CR3T-TOKEN"}"#,
        ))
        .unwrap();
        assert!(!format!("{grant:?}").contains("S3CR3T"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_response_parses_without_panicking(
            status in 100u16..600,
            body in proptest::collection::vec(any::<u8>(), 0..300),
            nonce in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let mut builder = Response::builder().status(status);
            if let Ok(value) = HeaderValue::from_bytes(&nonce) {
                builder = builder.header("dpop-nonce", value);
            }
            let response = builder.body(body).unwrap();
            match parse_token_response(&response) {
                Ok(grant) => {
                    prop_assert_eq!(status, 200);
                    prop_assert!(!grant.access_token.is_empty());
                }
                Err(failure) => {
                    prop_assert!(failure.excerpt.len() <= UnexpectedResponse::EXCERPT_LIMIT);
                    prop_assert!(!failure.excerpt.chars().any(char::is_control));
                }
            }
        }

        #[test]
        fn json_shaped_responses_parse_without_panicking(
            status in prop_oneof![Just(200u16), Just(400), Just(401)],
            members in proptest::collection::vec(
                (
                    prop_oneof![
                        Just("access_token".to_owned()),
                        Just("token_type".to_owned()),
                        Just("expires_in".to_owned()),
                        Just("scope".to_owned()),
                        Just("error".to_owned()),
                        Just("error_description".to_owned()),
                        Just("errorCode".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    prop_oneof![
                        Just(Value::Null),
                        any::<bool>().prop_map(Value::from),
                        any::<i64>().prop_map(Value::from),
                        any::<f64>().prop_map(Value::from),
                        ".{0,12}".prop_map(Value::from),
                        Just(serde_json::json!([1, "x"])),
                    ],
                ),
                0..6,
            ),
        ) {
            let map: Map<String, Value> = members.into_iter().collect();
            let body = Value::Object(map.clone()).to_string();
            let response = Response::builder().status(status).body(body.into_bytes()).unwrap();
            match parse_token_response(&response) {
                Ok(grant) => prop_assert_eq!(
                    Some(grant.access_token.expose()),
                    map.get("access_token").and_then(Value::as_str)
                ),
                Err(failure) => {
                    if let Some(Value::String(error)) = map.get("error") {
                        if !error.is_empty() {
                            prop_assert_eq!(failure.error.as_deref(), Some(error.as_str()));
                        }
                    }
                }
            }
        }
    }
}
