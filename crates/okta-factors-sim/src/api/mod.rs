//! The HTTP side of the simulator: routing, per-request context, replies and
//! Okta error bodies, link building. One file per group of endpoints.

mod catalog;
pub(crate) mod enroll;
mod lifecycle;
mod qrcode;
mod render;
mod verify;

use std::time::{Duration, SystemTime};

use http::{HeaderName, HeaderValue, Method, StatusCode};
use okta_factors_core::model::{HttpMethod, Link, LinkHints, LinkSet, Links};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::control::Channel;

/// A successful reply: status and body (none for `204`), JSON unless it says
/// otherwise.
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Option<Vec<u8>>,
    /// The `Content-Type` of the body.
    pub(crate) content_type: &'static str,
    /// More headers (the token endpoint's `Cache-Control`, `DPoP-Nonce`).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl Reply {
    pub(crate) fn no_content() -> Self {
        Self {
            status: StatusCode::NO_CONTENT,
            body: None,
            content_type: JSON,
            headers: Vec::new(),
        }
    }
}

/// An Okta error reply.
#[derive(Debug)]
pub(crate) struct Fail {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) summary: String,
    pub(crate) causes: Vec<String>,
    /// `Allow` header of a 405.
    pub(crate) allow: Option<&'static str>,
    /// More headers (`WWW-Authenticate`, `DPoP-Nonce`).
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
    /// Refused for authentication or authorization (counted in
    /// [`OAuthStats::auth_refusals`](crate::OAuthStats::auth_refusals)).
    pub(crate) auth: bool,
}

impl Fail {
    pub(crate) fn new(status: StatusCode, code: &'static str, summary: impl Into<String>) -> Self {
        Self {
            status,
            code,
            summary: summary.into(),
            causes: Vec::new(),
            allow: None,
            headers: Vec::new(),
            auth: false,
        }
    }

    pub(crate) fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.causes.push(cause.into());
        self
    }

    /// `400 E0000001 Api validation failed: <what>` with one cause.
    pub(crate) fn validation(what: &str, cause: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000001",
            format!("Api validation failed: {what}"),
        )
        .with_cause(cause)
    }

    /// `400 E0000001` whose cause is folded into the summary (no causes), as
    /// Okta does for the unverified-email case.
    pub(crate) fn validation_summary(what: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "E0000001",
            format!("Api validation failed: {what}"),
        )
    }

    /// `400 E0000001 Api validation failed: factorEnrollRequest`.
    pub(crate) fn enroll(cause: impl Into<String>) -> Self {
        Self::validation("factorEnrollRequest", cause)
    }

    /// `400 E0000001`: the factor is not in a state that allows the operation.
    pub(crate) fn factor_state(cause: impl Into<String>) -> Self {
        Self::validation("factor", cause)
    }

    /// `404 E0000007 Not found: Resource not found: <id> (<kind>)`.
    pub(crate) fn not_found(id: &str, kind: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "E0000007",
            format!("Not found: Resource not found: {id} ({kind})"),
        )
    }

    /// `403 E0000068 Invalid Passcode/Answer`.
    pub(crate) fn invalid_passcode() -> Self {
        Self::new(StatusCode::FORBIDDEN, "E0000068", "Invalid Passcode/Answer")
            .with_cause("Your passcode doesn't match our records. Please try again.")
    }

    /// `403 E0000068` for a wrong security answer.
    pub(crate) fn invalid_answer() -> Self {
        Self::new(StatusCode::FORBIDDEN, "E0000068", "Invalid Passcode/Answer")
            .with_cause("Your answer doesn't match our records. Please try again.")
    }

    /// `429 E0000047`.
    pub(crate) fn rate_limited() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        )
    }

    /// `429 E0000109` (SMS sent recently).
    pub(crate) fn sms_recently_sent(seconds: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000109",
            format!(
                "An SMS message was recently sent. Please wait {seconds} seconds before trying again."
            ),
        )
    }

    /// `429 E0000118` (email sent recently).
    pub(crate) fn email_recently_sent(seconds: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "E0000118",
            format!(
                "An email was recently sent. Please wait {seconds} seconds before trying again."
            ),
        )
    }

    /// `401 E0000011 Invalid token provided`.
    pub(crate) fn invalid_token() -> Self {
        let mut fail = Self::new(
            StatusCode::UNAUTHORIZED,
            "E0000011",
            "Invalid token provided",
        );
        fail.auth = true;
        fail
    }

    /// `403 E0000006`: the token lacks a scope.
    pub(crate) fn forbidden() -> Self {
        let mut fail = Self::new(
            StatusCode::FORBIDDEN,
            "E0000006",
            "You do not have permission to perform the requested action",
        );
        fail.auth = true;
        fail
    }

    /// `405 E0000022` with an `Allow` header.
    pub(crate) fn method_not_allowed(allow: &'static str) -> Self {
        let mut fail = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        );
        fail.allow = Some(allow);
        fail
    }

    /// `500 E0000009 Internal Server Error`.
    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "E0000009",
            "Internal Server Error",
        )
    }
}

pub(crate) type Outcome = Result<Reply, Fail>;

/// The media type of every body but the QR code images.
pub(crate) const JSON: &str = "application/json";

/// A JSON reply.
pub(crate) fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Outcome {
    serde_json::to_vec(value)
        .map(|body| Reply {
            status,
            body: Some(body),
            content_type: JSON,
            headers: Vec::new(),
        })
        .map_err(|_| Fail::internal())
}

/// The query string, decoded.
#[derive(Debug, Default)]
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        let Some(raw) = raw else {
            return Self::default();
        };
        Self(
            raw.split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode_component(k, true), decode_component(v, true))
                })
                .collect(),
        )
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean parameter: `true` (any case) is true, anything else false.
    pub(crate) fn flag(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }

    /// `tokenLifetimeSeconds` (1..=86400), or `default`.
    pub(crate) fn token_lifetime(&self, default: Duration) -> Result<Duration, Fail> {
        let Some(raw) = self.get("tokenLifetimeSeconds") else {
            return Ok(default);
        };
        match raw.trim().parse::<u64>() {
            Ok(secs @ 1..=86_400) => Ok(Duration::from_secs(secs)),
            _ => Err(Fail::validation(
                "tokenLifetimeSeconds",
                "tokenLifetimeSeconds: must be an integer between 1 and 86400",
            )),
        }
    }
}

/// Percent-decodes a path segment or query component (`+` is a space in
/// queries). Invalid escapes are kept as they are.
pub(crate) fn decode_component(raw: &str, plus_is_space: bool) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a handler gets besides the path parameters.
pub(crate) struct Ctx<'a> {
    pub(crate) now: SystemTime,
    /// Link origin, e.g. `http://127.0.0.1:8080`.
    pub(crate) base: String,
    pub(crate) query: Query,
    pub(crate) body: &'a [u8],
}

impl Ctx<'_> {
    pub(crate) fn urls(&self, user_id: &str) -> Urls {
        Urls {
            user: format!("{}/api/v1/users/{user_id}", self.base),
        }
    }

    /// Whether the request has a body (JSON `null` counts as none).
    fn has_body(&self) -> bool {
        let trimmed = self.body.trim_ascii();
        !(trimmed.is_empty() || trimmed == b"null")
    }

    /// The JSON body as `T`; `None` when there is none.
    pub(crate) fn optional_body<T: DeserializeOwned>(&self, what: &str) -> Result<Option<T>, Fail> {
        if !self.has_body() {
            return Ok(None);
        }
        let value: serde_json::Value = serde_json::from_slice(self.body).map_err(|e| {
            Fail::validation(what, format!("The request body is not valid JSON: {e}"))
        })?;
        if !value.is_object() {
            return Err(Fail::validation(
                what,
                "The request body must be a JSON object.",
            ));
        }
        // Secret members (passCode, answer, …) decode into `Secret`, whose
        // errors never quote the value.
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| Fail::validation(what, e.to_string()))
    }

    /// The JSON body as `T`; a missing body is a validation error.
    pub(crate) fn required_body<T: DeserializeOwned>(&self, what: &str) -> Result<T, Fail> {
        self.optional_body(what)?
            .ok_or_else(|| Fail::validation(what, "The request body is required."))
    }
}

/// Link targets of one user.
pub(crate) struct Urls {
    user: String,
}

impl Urls {
    pub(crate) fn user(&self) -> String {
        self.user.clone()
    }

    pub(crate) fn factors(&self) -> String {
        format!("{}/factors", self.user)
    }

    pub(crate) fn questions(&self) -> String {
        format!("{}/factors/questions", self.user)
    }

    pub(crate) fn factor(&self, factor_id: &str) -> String {
        format!("{}/factors/{factor_id}", self.user)
    }

    /// `…/factors/{factorId}/<tail>`.
    pub(crate) fn sub(&self, factor_id: &str, tail: &str) -> String {
        format!("{}/factors/{factor_id}/{tail}", self.user)
    }
}

/// A link with `hints.allow`.
pub(crate) fn link(href: String, allow: &[&str]) -> Link {
    let mut link = Link::new(href);
    if !allow.is_empty() {
        let mut hints = LinkHints::default();
        hints.allow = Some(allow.iter().map(|m| HttpMethod::from(*m)).collect());
        link.hints = Some(hints);
    }
    link
}

/// A named link (array members such as `resend` and `send`).
pub(crate) fn named(name: &str, href: String, allow: &[&str]) -> Link {
    let mut link = link(href, allow);
    link.name = Some(name.to_owned());
    link
}

/// A QR code link: `type` and no hints, as Okta sends it.
pub(crate) fn qr_link(href: String) -> Link {
    let mut link = Link::new(href);
    link.media_type = Some("image/png".to_owned());
    link
}

/// `_links` from `(relation, link set)` pairs, in order.
pub(crate) fn links(entries: Vec<(&str, LinkSet)>) -> Links {
    let mut links = Links::default();
    for (rel, set) in entries {
        links.insert(rel, set);
    }
    links
}

/// The endpoints, with decoded path parameters.
#[derive(Debug)]
pub(crate) enum Route {
    Factors(String),
    Catalog(String),
    Questions(String),
    Factor(String, String),
    Activate(String, String),
    ActivatePoll(String, String),
    ActivateSend(String, String, Channel),
    Resend(String, String),
    Verify(String, String),
    Transaction(String, String, String),
    QrCode(String, String, String),
}

impl Route {
    /// Routes a request path; `None` for a path the API does not have.
    pub(crate) fn parse(path: &str) -> Option<Self> {
        let path = if path.len() > 1 {
            path.strip_suffix('/').unwrap_or(path)
        } else {
            path
        };
        let segments: Vec<String> = path
            .split('/')
            .skip(1)
            .map(|s| decode_component(s, false))
            .collect();
        let s: Vec<&str> = segments.iter().map(String::as_str).collect();
        let own = |v: &&str| (*v).to_owned();
        Some(match s.as_slice() {
            ["api", "v1", "users", u, "factors"] => Self::Factors(own(u)),
            ["api", "v1", "users", u, "factors", "catalog"] => Self::Catalog(own(u)),
            ["api", "v1", "users", u, "factors", "questions"] => Self::Questions(own(u)),
            ["api", "v1", "users", u, "factors", f] => Self::Factor(own(u), own(f)),
            ["api", "v1", "users", u, "factors", f, "lifecycle", "activate"] => {
                Self::Activate(own(u), own(f))
            }
            ["api", "v1", "users", u, "factors", f, "lifecycle", "activate", "poll"] => {
                Self::ActivatePoll(own(u), own(f))
            }
            ["api", "v1", "users", u, "factors", f, "lifecycle", "activate", "sms"] => {
                Self::ActivateSend(own(u), own(f), Channel::Sms)
            }
            ["api", "v1", "users", u, "factors", f, "lifecycle", "activate", "email"] => {
                Self::ActivateSend(own(u), own(f), Channel::Email)
            }
            ["api", "v1", "users", u, "factors", f, "resend"] => Self::Resend(own(u), own(f)),
            ["api", "v1", "users", u, "factors", f, "verify"] => Self::Verify(own(u), own(f)),
            ["api", "v1", "users", u, "factors", f, "transactions", t] => {
                Self::Transaction(own(u), own(f), own(t))
            }
            ["api", "v1", "users", u, "factors", f, "qr", t] => {
                Self::QrCode(own(u), own(f), own(t))
            }
            _ => return None,
        })
    }

    /// The methods the endpoint accepts (the `Allow` header of a 405): `HEAD`
    /// wherever `GET` is.
    pub(crate) fn allow(&self) -> &'static str {
        match self {
            Self::Factors(_) => "GET, HEAD, POST",
            Self::Catalog(_) | Self::Questions(_) | Self::QrCode(..) => "GET, HEAD",
            Self::Factor(..) | Self::Transaction(..) => "GET, HEAD, DELETE",
            Self::Activate(..)
            | Self::ActivatePoll(..)
            | Self::ActivateSend(..)
            | Self::Resend(..)
            | Self::Verify(..) => "POST",
        }
    }

    pub(crate) fn allows(&self, method: &Method) -> bool {
        self.allow().split(", ").any(|m| m == method.as_str())
    }
}
