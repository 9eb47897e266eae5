//! Errors. Every failure is a typed value; none embeds a secret.
//!
//! * [`InputError`]: the request could not be built (bad org URL, token, ID, header).
//! * [`ApiError`]: Okta answered with an error status and an Okta error body.
//! * [`UnexpectedResponse`]: an error status (or a non-JSON success) whose body is
//!   not Okta's: an HTML page from a proxy, an OAuth error, an empty body.
//! * [`DecodeError`]: a success response whose JSON does not have the expected shape.

use std::fmt;
use std::time::Duration;

use http::StatusCode;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::meta::ResponseMeta;

/// Any error of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be built from the given input.
    #[error(transparent)]
    Input(#[from] InputError),
    /// Okta answered with an error.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The response was not something Okta sends.
    #[error(transparent)]
    UnexpectedResponse(Box<UnexpectedResponse>),
    /// A success response did not decode.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The transport failed: no response was received (or it was cut short).
    #[error(transparent)]
    Transport(Box<TransportError>),
    /// No access token could be had: the org's token endpoint refused the
    /// service app's request, or its key could not sign (OAuth credentials).
    #[error(transparent)]
    Auth(Box<AuthError>),
}

impl Error {
    /// The HTTP status of the response behind the error, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Input(_) | Self::Transport(_) => None,
            Self::Auth(e) => e.status,
            Self::Api(e) => Some(e.status),
            Self::UnexpectedResponse(e) => Some(e.status),
            Self::Decode(e) => Some(e.status),
        }
    }

    /// Response metadata (request ID, rate limits), if there was a response.
    pub fn meta(&self) -> Option<&ResponseMeta> {
        match self {
            Self::Input(_) | Self::Transport(_) => None,
            Self::Auth(e) => e.meta.as_ref(),
            Self::Api(e) => Some(&e.meta),
            Self::UnexpectedResponse(e) => Some(&e.meta),
            Self::Decode(e) => Some(&e.meta),
        }
    }

    /// The Okta error, if Okta answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Self::Api(e) => Some(e),
            _ => None,
        }
    }

    /// The Okta `errorCode` (e.g. `E0000068`), if any.
    pub fn error_code(&self) -> Option<&str> {
        self.api()?.body.error_code.as_deref()
    }

    /// Why no access token could be had, if that is what happened.
    pub fn auth(&self) -> Option<&AuthError> {
        match self {
            Self::Auth(e) => Some(e),
            _ => None,
        }
    }

    /// The transport failure, if that is what happened.
    pub fn transport(&self) -> Option<&TransportError> {
        match self {
            Self::Transport(e) => Some(e),
            _ => None,
        }
    }

    /// Whether a time limit was hit.
    pub fn is_timeout(&self) -> bool {
        self.transport()
            .is_some_and(|t| matches!(t.kind, TransportErrorKind::Timeout(_)))
    }

    /// Whether the response was `429 Too Many Requests`.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(StatusCode::TOO_MANY_REQUESTS)
    }

    /// How long Okta asks to wait before trying again: [`ApiError::retry_after`]
    /// for an Okta error, `None` for every other error.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api()?.retry_after()
    }
}

/// Invalid input: which field, and why. Messages say how to fix it and never
/// contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// The org URL is not usable.
    #[error("invalid org URL: {reason}")]
    OrgUrl {
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The API token or access token is not usable.
    #[error("invalid credentials: {reason}")]
    Credentials {
        /// What is wrong and how to fix it.
        reason: &'static str,
    },
    /// A path ID (`userId`, `factorId`, `transactionId`) is not usable.
    #[error("invalid {field}: {reason}")]
    Id {
        /// The parameter name.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// A header parameter contains bytes a header cannot carry (CR, LF, controls, non-ASCII).
    #[error("invalid {name} header value: {reason}")]
    Header {
        /// The header name.
        name: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// A link from a response is missing or unusable, e.g. a push `WAITING`
    /// answer whose poll link names no transaction. (Polls are built from the
    /// org and the IDs; a link's origin is never contacted.)
    #[error("cannot follow link: {reason}")]
    Link {
        /// Why.
        reason: String,
    },
    /// A query or body parameter is out of range.
    #[error("invalid {name}: {reason}")]
    Parameter {
        /// The parameter name.
        name: &'static str,
        /// Why.
        reason: String,
    },
}

/// An error body as Okta sends it. Every member is optional; `errorCauses` may be
/// an array or a single object (an element that is not an object becomes a cause
/// with its text as summary; `null`s are skipped); members this version does not
/// model are kept in `extra`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OktaError {
    /// Okta error code, e.g. `E0000068`. Match on this, never on the summary text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Human-readable summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_summary: Option<String>,
    /// Error link (usually the code again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_link: Option<String>,
    /// Unique ID of this error occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    /// Causes, e.g. "There is an existing verified phone number."
    #[serde(default, deserialize_with = "one_or_many_causes")]
    pub error_causes: Vec<ErrorCause>,
    /// Members this version does not model, kept verbatim.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl fmt::Debug for OktaError {
    /// Secret-named members in `extra` are redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OktaError")
            .field("error_code", &self.error_code)
            .field("error_summary", &self.error_summary)
            .field("error_link", &self.error_link)
            .field("error_id", &self.error_id)
            .field("error_causes", &self.error_causes)
            .field("extra", &crate::model::RedactedMap(&self.extra))
            .finish()
    }
}

/// One entry of `errorCauses`. Every member Okta sends is kept: the members
/// Okta's error causes are known to carry (`errorSummary`, `reason`,
/// `location`, `locationType`, `domain`) in typed fields, anything else in
/// `extra`, so serializing gives back the same JSON.
///
/// A typed member holds a string; one of those members sent as another JSON
/// type (`null`, a number, an object) is kept verbatim in `extra` under its
/// name instead of failing the whole error body.
///
/// ```
/// use okta_factors::ErrorCause;
/// let json = serde_json::json!({
///     "errorSummary": "Invalid Phone Number.", "reason": "INVALID_VALUE",
///     "location": "profile.phoneNumber", "locationType": "body",
///     "domain": "factors", "errorDetail": {"max": 15}
/// });
/// let cause: ErrorCause = serde_json::from_value(json.clone()).unwrap();
/// assert_eq!(cause.location.as_deref(), Some("profile.phoneNumber"));
/// assert_eq!(cause.extra["errorDetail"]["max"], 15);
/// assert_eq!(serde_json::to_value(&cause).unwrap(), json);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorCause {
    /// What caused the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_summary: Option<String>,
    /// A machine-readable reason, e.g. `INVALID_VALUE`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where in the request the error is, e.g. a body member's path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// What kind of place `location` names, e.g. `body`, `query`, `header`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_type: Option<String>,
    /// The domain of the error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Members this version does not model (and documented members of another
    /// JSON type), kept verbatim and written back on serialization.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl ErrorCause {
    /// A cause with only `errorSummary`.
    pub(crate) fn summary(summary: impl Into<String>) -> Self {
        Self {
            error_summary: Some(summary.into()),
            ..Self::default()
        }
    }
}

impl fmt::Debug for ErrorCause {
    /// Secret-named members in `extra` are redacted.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErrorCause")
            .field("error_summary", &self.error_summary)
            .field("reason", &self.reason)
            .field("location", &self.location)
            .field("location_type", &self.location_type)
            .field("domain", &self.domain)
            .field("extra", &crate::model::RedactedMap(&self.extra))
            .finish()
    }
}

impl<'de> Deserialize<'de> for ErrorCause {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut cause = ErrorCause {
            extra: serde_json::Map::deserialize(d)?,
            ..ErrorCause::default()
        };
        for (name, field) in [
            ("errorSummary", &mut cause.error_summary),
            ("reason", &mut cause.reason),
            ("location", &mut cause.location),
            ("locationType", &mut cause.location_type),
            ("domain", &mut cause.domain),
        ] {
            if let Some(serde_json::Value::String(_)) = cause.extra.get(name) {
                if let Some(serde_json::Value::String(value)) = cause.extra.remove(name) {
                    *field = Some(value);
                }
            }
        }
        Ok(cause)
    }
}

pub(crate) fn one_or_many_causes<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<ErrorCause>, D::Error> {
    struct CausesVisitor;
    impl<'de> Visitor<'de> for CausesVisitor {
        type Value = Vec<ErrorCause>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of error causes or one error cause")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        /// Elements are read one by one, so one odd element fails nothing: an
        /// object is a cause, a string (as for a single cause) or any other
        /// value (its JSON text) is a cause with that summary, `null` is skipped.
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            use serde::de::Error as _;
            let mut causes = Vec::new();
            while let Some(value) = seq.next_element::<serde_json::Value>()? {
                let cause = match value {
                    serde_json::Value::Object(_) => {
                        ErrorCause::deserialize(value).map_err(A::Error::custom)?
                    }
                    serde_json::Value::String(summary) => ErrorCause::summary(summary),
                    serde_json::Value::Null => continue,
                    other => ErrorCause::summary(other.to_string()),
                };
                causes.push(cause);
            }
            Ok(causes)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            ErrorCause::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                .map(|cause| vec![cause])
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(vec![ErrorCause::summary(v)])
        }
    }
    d.deserialize_any(CausesVisitor)
}

/// Well-known Okta error codes.
pub mod codes {
    /// Validation failed (400).
    pub const API_VALIDATION_FAILED: &str = "E0000001";
    /// Not allowed (403).
    pub const ACCESS_DENIED: &str = "E0000006";
    /// Resource not found (404).
    pub const NOT_FOUND: &str = "E0000007";
    /// Invalid token (401).
    pub const INVALID_TOKEN: &str = "E0000011";
    /// Rate limit exceeded (429).
    pub const RATE_LIMITED: &str = "E0000047";
    /// Invalid passcode or answer (403).
    pub const INVALID_PASSCODE: &str = "E0000068";
    /// An SMS was sent recently (429).
    pub const SMS_RECENTLY_SENT: &str = "E0000109";
    /// An email was sent recently (429).
    pub const EMAIL_RECENTLY_SENT: &str = "E0000118";
}

/// Okta answered with an error status and an Okta error body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The error body.
    pub body: OktaError,
    /// Request ID and rate limits.
    pub meta: ResponseMeta,
}

impl ApiError {
    /// The `errorCode`.
    pub fn code(&self) -> Option<&str> {
        self.body.error_code.as_deref()
    }

    /// Whether Okta said the passcode or answer was wrong (`E0000068`).
    pub fn is_invalid_passcode(&self) -> bool {
        self.code() == Some(codes::INVALID_PASSCODE)
    }

    /// Whether the resource (user, factor, transaction) does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.status == StatusCode::NOT_FOUND
    }

    /// How long Okta asks to wait before trying again, if it says:
    ///
    /// 1. the seconds in the `errorSummary` (`"… Please wait 30 seconds before
    ///    trying again."`, as sent with `E0000109` and `E0000118`);
    /// 2. otherwise, for a `429`, until the rate-limit window resets: its
    ///    `X-Rate-Limit-Reset` minus the response's `Date` (the server's clock),
    ///    plus one second, as the retry policy computes it;
    /// 3. otherwise `None` (also when those headers are missing or garbled).
    ///
    /// The clients never resend a business throttle (`E0000109`, `E0000118`):
    /// this is how a caller learns when a resend will be accepted.
    ///
    /// ```
    /// use std::time::Duration;
    /// use okta_factors::{Operation, operations::ListFactors};
    /// let response = http::Response::builder()
    ///     .status(429)
    ///     .header("date", "Fri, 01 Jan 2021 00:00:00 GMT")
    ///     .header("x-rate-limit-reset", "1609459260")
    ///     .body(br#"{"errorCode":"E0000109","errorSummary":"An SMS message was recently sent. Please wait 30 seconds before trying again."}"#.as_slice())
    ///     .unwrap();
    /// let err = ListFactors::new("00u1").parse_response(response).unwrap_err();
    /// assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    /// ```
    pub fn retry_after(&self) -> Option<Duration> {
        if let Some(seconds) = self.body.error_summary.as_deref().and_then(wait_seconds) {
            return Some(Duration::from_secs(seconds));
        }
        if self.status != StatusCode::TOO_MANY_REQUESTS {
            return None;
        }
        let reset = self.meta.rate_limit.reset?;
        let date = httpdate::parse_http_date(self.meta.date.as_deref()?.trim()).ok()?;
        let date = date.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
        Some(Duration::from_secs(crate::policy::time::reset_wait_secs(
            reset, date,
        )))
    }
}

/// The `N` of the first "`N` second(s)" in an error summary (any case, any
/// spacing), e.g. 30 in "Please wait 30 seconds before trying again.".
fn wait_seconds(summary: &str) -> Option<u64> {
    let bytes = summary.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        // Digits glued to a word ("E0000109", "v2") are not a count.
        let glued = start > 0 && bytes[start - 1].is_ascii_alphanumeric();
        let rest = summary.get(i..).unwrap_or_default().trim_start();
        let unit = rest
            .get(..6)
            .is_some_and(|w| w.eq_ignore_ascii_case("second"));
        if !glued && unit {
            if let Ok(seconds) = summary[start..i].parse() {
                return Some(seconds);
            }
        }
    }
    None
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Okta answered {}", self.status)?;
        if let Some(code) = &self.body.error_code {
            write!(f, " {code}")?;
        }
        if let Some(summary) = &self.body.error_summary {
            write!(f, ": {summary}")?;
        }
        let causes: Vec<&str> = self
            .body
            .error_causes
            .iter()
            .filter_map(|c| c.error_summary.as_deref())
            .collect();
        if !causes.is_empty() {
            write!(f, " ({})", causes.join("; "))?;
        }
        if let Some(id) = &self.meta.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A body that is not Okta's: an OAuth error, if the body was one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    /// `error`, e.g. `invalid_token`.
    pub error: String,
    /// `error_description`.
    pub description: Option<String>,
}

/// A response Okta itself would not send: an error status without an Okta error
/// body (HTML from a proxy, an OAuth error, an empty body), a non-2xx status
/// outside the 4xx/5xx range, or a success with a non-JSON content type.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UnexpectedResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The start of the body (at most [`UnexpectedResponse::EXCERPT_LIMIT`] bytes,
    /// lossy UTF-8, control characters replaced).
    pub excerpt: String,
    /// The OAuth error, when the body was one.
    pub oauth: Option<OAuthError>,
    /// Request ID and rate limits.
    pub meta: ResponseMeta,
}

impl UnexpectedResponse {
    /// Maximum length of [`UnexpectedResponse::excerpt`] in bytes.
    pub const EXCERPT_LIMIT: usize = 256;
}

impl fmt::Display for UnexpectedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unexpected response {}", self.status)?;
        if let Some(ct) = &self.content_type {
            write!(f, " ({ct})")?;
        }
        match (&self.oauth, self.excerpt.is_empty()) {
            (Some(oauth), _) => {
                write!(f, ": OAuth error {}", oauth.error)?;
                if let Some(d) = &oauth.description {
                    write!(f, ": {d}")?;
                }
            }
            (None, true) => f.write_str(" with an empty body")?,
            (None, false) => write!(f, ": {:?}", self.excerpt)?,
        }
        if let Some(id) = &self.meta.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnexpectedResponse {}

/// A success response whose body did not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// HTTP status.
    pub status: StatusCode,
    /// JSON path of the member that failed, e.g. `[2].profile.phoneNumber` (`.` for the root).
    pub path: String,
    /// What was wrong. Values of secret members are never included.
    pub message: String,
    /// Request ID and rate limits.
    pub meta: ResponseMeta,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "could not decode the {} response at {}: {}",
            self.status, self.path, self.message
        )?;
        if let Some(id) = &self.meta.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {}

/// Which time limit was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutLimit {
    /// The connect timeout.
    Connect,
    /// The whole-call timeout (retries and waits included).
    Request,
    /// Polling a push ran past its deadline.
    Poll,
}

impl fmt::Display for TimeoutLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connect => "connect timeout",
            Self::Request => "request timeout",
            Self::Poll => "push polling deadline",
        })
    }
}

/// What kind of transport failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The host name did not resolve.
    Dns,
    /// The connection could not be established (refused, unreachable).
    Connect,
    /// TLS failed (handshake, certificate verification).
    Tls,
    /// The connection broke while sending or receiving (reset, closed mid-body).
    Io,
    /// A time limit was hit.
    Timeout(TimeoutLimit),
    /// The response body is larger than the configured limit.
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The peer did not speak valid HTTP.
    Protocol,
    /// The proxy did not open the tunnel to the org: it answered `CONNECT`
    /// with `status` (`407`: the proxy's credentials are missing or wrong;
    /// `502`/`503`: it could not reach the org), or failed without one.
    /// Nothing reached the org. (The ureq transport reports every status;
    /// the hyper transport `407` only.)
    Proxy {
        /// The proxy's answer to `CONNECT`, when the transport reports it.
        status: Option<u16>,
    },
    /// Anything else the transport reported.
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns => f.write_str("DNS lookup failed"),
            Self::Connect => f.write_str("could not connect"),
            Self::Tls => f.write_str("TLS failed"),
            Self::Io => f.write_str("connection failed mid-request"),
            Self::Timeout(limit) => write!(f, "timed out ({limit})"),
            Self::BodyTooLarge { limit } => {
                write!(f, "response body larger than the {limit}-byte limit")
            }
            Self::Protocol => f.write_str("invalid HTTP from the server"),
            Self::Proxy { status: Some(407) } => f.write_str(
                "the proxy requires authentication (407): check the proxy's username and password",
            ),
            Self::Proxy {
                status: Some(status),
            } => {
                write!(f, "the proxy refused the tunnel to the org ({status})")
            }
            Self::Proxy { status: None } => f.write_str("the proxy refused the tunnel to the org"),
            Self::Other => f.write_str("transport error"),
        }
    }
}

/// A transport failure, reported by an adapter. The message comes from the
/// transport and never contains request headers or bodies.
#[derive(Debug, thiserror::Error)]
#[error("{kind}: {message}")]
#[non_exhaustive]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// What the transport said.
    pub message: String,
    /// The underlying error.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// A transport error of `kind`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }
}

/// Why a service app got no access token (see [`Error::Auth`]). Holds
/// Okta's `error` code and `error_description`, never the assertion, a proof
/// or a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error("{}", self.describe())]
pub struct AuthError {
    /// What went wrong.
    pub kind: AuthErrorKind,
    /// The OAuth `error` code as sent (`invalid_client`, …), if any.
    pub error: Option<String>,
    /// Okta's `error_description`, or what else explains the failure.
    pub description: Option<String>,
    /// The token endpoint's HTTP status, if it answered.
    pub status: Option<StatusCode>,
    /// Request ID and rate limits of the token endpoint's answer, if any.
    pub meta: Option<ResponseMeta>,
}

/// The kinds of [`AuthError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthErrorKind {
    /// `invalid_client`: the client ID is unknown, the assertion's signature
    /// does not verify against the app's registered keys (a wrong key or
    /// `kid`), or its times are refused (a clock off by minutes).
    InvalidClient,
    /// `invalid_scope`: a scope the app was not granted (Okta API Scopes tab).
    InvalidScope,
    /// `invalid_grant` or `unauthorized_client`: the app may not use the
    /// client credentials grant.
    UnauthorizedClient,
    /// `invalid_dpop_proof`, or a `use_dpop_nonce` that a fresh nonce did not
    /// settle: DPoP is required, or the proof was refused.
    InvalidDpopProof,
    /// `invalid_request` or another OAuth error code.
    Refused,
    /// The token endpoint answered something that is not OAuth (HTML from a
    /// proxy, a `2xx` without a token).
    UnexpectedResponse,
    /// The key could not sign (a `Signer` failed).
    Signing,
}

impl AuthError {
    /// An error of `kind` explained by `description`.
    pub fn new(kind: AuthErrorKind, description: impl Into<String>) -> Self {
        Self {
            kind,
            error: None,
            description: Some(description.into()),
            status: None,
            meta: None,
        }
    }

    fn describe(&self) -> String {
        let mut text = String::from("no access token for the service app");
        if let Some(status) = self.status {
            text.push_str(&format!(": the token endpoint answered {status}"));
        }
        if let Some(error) = &self.error {
            text.push_str(&format!(" {error}"));
        }
        if let Some(description) = &self.description {
            text.push_str(&format!(": {description}"));
        }
        let hint = match self.kind {
            AuthErrorKind::InvalidClient => Some(
                "check the client ID, that the app's public key (and kid) is registered in Okta, and this machine's clock",
            ),
            AuthErrorKind::InvalidScope => {
                Some("grant the scopes to the app in Okta (Okta API Scopes tab), or ask for fewer")
            }
            AuthErrorKind::UnauthorizedClient => {
                Some("the app must be an API service app allowed the client credentials grant")
            }
            AuthErrorKind::InvalidDpopProof => {
                Some("turn DPoP on (or to auto) for this app, or off in Okta")
            }
            _ => None,
        };
        if let Some(hint) = hint {
            text.push_str(&format!(" ({hint})"));
        }
        if let Some(id) = self.meta.as_ref().and_then(|m| m.request_id.as_deref()) {
            text.push_str(&format!(" [request id {id}]"));
        }
        text
    }
}

impl From<AuthError> for Error {
    fn from(error: AuthError) -> Self {
        Self::Auth(Box::new(error))
    }
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        Self::Transport(Box::new(e))
    }
}
