//! The [`Operation`] trait: one implementation per API call, one generic
//! mechanism for building requests and parsing responses.

use http::{HeaderName, Method, Request, Response, StatusCode};

use crate::credentials::Credentials;
use crate::error::{Error, InputError};
use crate::meta::ResponseMeta;
use crate::org_url::OrgUrl;
use crate::{request, response};

/// What an operation contributes to its request; the shared code in
/// [`Operation::build_request`] turns it into an `http::Request`. (An
/// operation defined outside this crate starts from `RequestParts::default()`
/// and sets the public fields.)
///
/// `Debug` shows the path parameters, the names of the query and header
/// parameters and the body's length: never the body (it may hold a passcode,
/// an answer or a shared secret) nor a query or header value.
#[derive(Default)]
#[non_exhaustive]
pub struct RequestParts<'a> {
    /// Values of the `{…}` parameters of [`Operation::PATH_TEMPLATE`], in order.
    pub path_params: Vec<&'a str>,
    /// Query parameters that are set (unset optional parameters are not sent).
    pub query: Vec<(&'static str, String)>,
    /// Header parameters that are set.
    pub headers: Vec<(HeaderName, &'a str)>,
    /// The JSON body, if the request has one.
    pub body: Option<Vec<u8>>,
}

impl<'a> RequestParts<'a> {
    /// Parts with the given path parameters and nothing else.
    pub(crate) fn new(path_params: Vec<&'a str>) -> Self {
        Self {
            path_params,
            ..Self::default()
        }
    }

    /// Adds a query parameter when `value` is set.
    pub(crate) fn query_opt(mut self, name: &'static str, value: Option<impl ToString>) -> Self {
        if let Some(value) = value {
            self.query.push((name, value.to_string()));
        }
        self
    }

    /// Adds a header parameter when `value` is set.
    pub(crate) fn header_opt(mut self, name: HeaderName, value: Option<&'a str>) -> Self {
        if let Some(value) = value {
            self.headers.push((name, value));
        }
        self
    }

    /// Sets the JSON body when `body` is set.
    pub(crate) fn json_body<T: serde::Serialize>(
        mut self,
        body: Option<&T>,
    ) -> Result<Self, InputError> {
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body).map_err(|e| InputError::Parameter {
                name: "body",
                reason: e.to_string(),
            })?;
            self.body = Some(bytes);
        }
        Ok(self)
    }
}

impl std::fmt::Debug for RequestParts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let query: Vec<&str> = self.query.iter().map(|(name, _)| *name).collect();
        let headers: Vec<&HeaderName> = self.headers.iter().map(|(name, _)| name).collect();
        f.debug_struct("RequestParts")
            .field("path_params", &self.path_params)
            .field("query", &query)
            .field("headers", &headers)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

/// A successful (2xx) response, parsed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OktaResponse<T> {
    /// HTTP status (e.g. 201 for a push verify).
    pub status: StatusCode,
    /// Request ID and rate limits.
    pub meta: ResponseMeta,
    /// The parsed body.
    pub value: T,
}

impl<T> OktaResponse<T> {
    /// The parsed body.
    pub fn into_value(self) -> T {
        self.value
    }
}

/// Why a 2xx body did not decode: the JSON path and the reason. The shared
/// parsing code adds the status and headers to make a [`crate::DecodeError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BodyError {
    /// JSON path, e.g. `[0].profile`.
    pub path: String,
    /// Reason (secret values are never included).
    pub message: String,
}

/// One call of the UserFactor API, as pure data.
///
/// Implementations say which path, query, headers and body the call has
/// ([`Operation::request_parts`]) and how to read a 2xx body
/// ([`Operation::parse_success`]); URL assembly, ID encoding, authentication,
/// header validation, status handling and error decoding are provided once for
/// all operations.
///
/// ```
/// use okta_factors::{Credentials, Operation, OrgUrl, operations::GetFactor};
/// let org = OrgUrl::parse("https://dev-123456.okta.com").unwrap();
/// let creds = Credentials::api_token("00token").unwrap();
/// let request = GetFactor::new("00u1", "sms1").build_request(&org, &creds).unwrap();
/// assert_eq!(request.uri(), "https://dev-123456.okta.com/api/v1/users/00u1/factors/sms1");
/// ```
pub trait Operation {
    /// The parsed success value.
    type Output;
    /// The operation's name, e.g. `verify_factor`.
    const NAME: &'static str;
    /// The HTTP method.
    const METHOD: Method;
    /// The path with `{…}` parameters, e.g. `/api/v1/users/{userId}/factors`.
    const PATH_TEMPLATE: &'static str;

    /// The request's parameters and body.
    fn request_parts(&self) -> Result<RequestParts<'_>, InputError>;

    /// Parses a 2xx body.
    fn parse_success(&self, status: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError>;

    /// Builds the `http::Request` for the org and credentials.
    ///
    /// The `Authorization` header is marked sensitive, but the request's own
    /// `Debug` (the `http` crate's) prints the body as a byte list, and the
    /// body may hold a passcode, an answer or a shared secret: log the
    /// operation (or a [`policy::Call`](crate::policy::Call)), never
    /// the built request.
    fn build_request(
        &self,
        org: &OrgUrl,
        credentials: &Credentials,
    ) -> Result<Request<Vec<u8>>, Error> {
        request::build(self, org, credentials)
    }

    /// Parses any response: 2xx into [`Operation::Output`], anything else into a
    /// typed [`Error`]. Never panics, whatever the status, headers or body.
    fn parse_response<B: AsRef<[u8]>>(
        &self,
        response: Response<B>,
    ) -> Result<OktaResponse<Self::Output>, Error> {
        response::parse(&response, |status, body| self.parse_success(status, body))
    }
}
