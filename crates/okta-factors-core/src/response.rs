//! Response handling shared by every operation: status dispatch, error decoding,
//! JSON decoding with error paths.

use http::header::CONTENT_TYPE;
use http::{Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, DecodeError, Error, OAuthError, OktaError, UnexpectedResponse};
use crate::meta::ResponseMeta;
use crate::operation::{BodyError, OktaResponse};

/// Members whose values must never appear in an error message.
const SECRET_MEMBERS: [&str; 7] = [
    "passCode",
    "nextPassCode",
    "answer",
    "sharedSecret",
    "activationToken",
    "stateToken",
    "token",
];

/// Decodes a JSON body into `T`. On failure, decodes again with path tracking so
/// the error names the member that failed (the happy path pays nothing for it).
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(BodyError {
            path: ".".into(),
            message: "expected a JSON body, got an empty body".into(),
        });
    }
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(first) => {
            let mut de = serde_json::Deserializer::from_slice(body);
            let (path, message) = match serde_path_to_error::deserialize::<_, T>(&mut de) {
                Err(e) => (e.path().to_string(), e.inner().to_string()),
                Ok(_) => (".".to_owned(), first.to_string()),
            };
            let secret = path
                .rsplit(['.', '['])
                .next()
                .is_some_and(|last| SECRET_MEMBERS.contains(&last));
            let message = if secret {
                "invalid value for a secret member (value not shown)".to_owned()
            } else {
                message
            };
            Err(BodyError { path, message })
        }
    }
}

fn content_type(response_headers: &http::HeaderMap) -> Option<String> {
    response_headers
        .get(CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.eq_ignore_ascii_case("application/json")
        || essence.to_ascii_lowercase().ends_with("+json")
}

/// The start of a body for an error message: bounded, lossy UTF-8, no control
/// characters.
fn excerpt(body: &[u8]) -> String {
    let limit = UnexpectedResponse::EXCERPT_LIMIT;
    let slice = &body[..body.len().min(limit)];
    String::from_utf8_lossy(slice)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

fn unexpected(
    status: StatusCode,
    content_type: Option<String>,
    body: &[u8],
    oauth: Option<OAuthError>,
    meta: ResponseMeta,
) -> Error {
    Error::UnexpectedResponse(Box::new(UnexpectedResponse {
        status,
        content_type,
        excerpt: excerpt(body),
        oauth,
        meta,
    }))
}

/// Turns a non-2xx response into the most specific error its body allows.
fn error_response(
    status: StatusCode,
    content_type: Option<String>,
    body: &[u8],
    meta: ResponseMeta,
) -> Error {
    if let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) {
        if object.contains_key("errorCode") || object.contains_key("errorSummary") {
            if let Ok(okta) = serde_json::from_value::<OktaError>(Value::Object(object.clone())) {
                return Error::Api(Box::new(ApiError {
                    status,
                    body: okta,
                    meta,
                }));
            }
        }
        if let Some(Value::String(error)) = object.get("error") {
            let description = object
                .get("error_description")
                .and_then(Value::as_str)
                .map(str::to_owned);
            let oauth = OAuthError {
                error: error.clone(),
                description,
            };
            return unexpected(status, content_type, body, Some(oauth), meta);
        }
    }
    unexpected(status, content_type, body, None, meta)
}

/// Parses any response; see [`crate::Operation::parse_response`].
pub(crate) fn parse<B: AsRef<[u8]>, T>(
    response: &Response<B>,
    parse_success: impl FnOnce(StatusCode, &[u8]) -> Result<T, BodyError>,
) -> Result<OktaResponse<T>, Error> {
    let status = response.status();
    let body = response.body().as_ref();
    let meta = ResponseMeta::from_headers(response.headers());
    let content_type = content_type(response.headers());

    if !status.is_success() {
        return Err(error_response(status, content_type, body, meta));
    }
    let has_body = !body.iter().all(u8::is_ascii_whitespace);
    if let Some(ct) = &content_type {
        if has_body && !is_json(ct) {
            return Err(unexpected(status, content_type, body, None, meta));
        }
    }
    match parse_success(status, body) {
        Ok(value) => Ok(OktaResponse {
            status,
            meta,
            value,
        }),
        Err(BodyError { path, message }) => Err(Error::Decode(Box::new(DecodeError {
            status,
            path,
            message,
            meta,
        }))),
    }
}
