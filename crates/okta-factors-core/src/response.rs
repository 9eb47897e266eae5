//! Response handling shared by every operation: status dispatch, error decoding,
//! JSON decoding with error paths.

use http::header::CONTENT_TYPE;
use http::{HeaderValue, Response, StatusCode};
use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{
    ApiError, DecodeError, Error, ErrorCause, OAuthError, OktaError, UnexpectedResponse,
};
use crate::meta::ResponseMeta;
use crate::operation::{BodyError, OktaResponse};

use crate::model::is_secret_path;

/// Marks a custom deserialization error that carries a path inside the member
/// that failed (see [`nested_error`]); [`decode_json`] joins it to the outer path.
const NESTED: char = '\u{1}';

/// A custom error message for a failure at `inner` below member `member`.
pub(crate) fn nested_error<E: std::fmt::Display>(
    member: &str,
    error: &serde_path_to_error::Error<E>,
) -> String {
    let inner = error.path().to_string();
    let path = if inner == "." {
        member.to_owned()
    } else {
        format!("{member}.{inner}")
    };
    format!("{NESTED}{path}{NESTED}{}", error.inner())
}

/// Joins an outer path and a message that may carry a nested path.
fn join_nested(outer: String, message: String) -> (String, String) {
    let Some(rest) = message.strip_prefix(NESTED) else {
        return (outer, message);
    };
    let Some((inner, message)) = rest.split_once(NESTED) else {
        return (outer, message);
    };
    // serde_json appends the position of the enclosing object to a custom
    // error; the joined path says more.
    let message = message.rsplit_once(" at line ").map_or(message, |(m, _)| m);
    let path = if outer == "." {
        inner.to_owned()
    } else {
        format!("{outer}.{inner}")
    };
    (path, message.to_owned())
}

/// Decodes a JSON body into `T`. On failure, decodes again with path tracking so
/// the error names the member that failed (the happy path pays nothing for it).
pub(crate) fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(empty_body());
    }
    serde_json::from_slice(body).map_err(|first| body_error::<T>(body, &first))
}

fn empty_body() -> BodyError {
    BodyError {
        path: ".".into(),
        message: "expected a JSON body, got an empty body".into(),
    }
}

/// Why `body` did not decode as `T` (`first` is serde_json's error): the path
/// of the member that failed, and the reason without a secret's value.
fn body_error<T: DeserializeOwned>(body: &[u8], first: &serde_json::Error) -> BodyError {
    // The model reads object keys as raw bytes (`model::wire::Key`),
    // which path tracking cannot name, so the path is found in two
    // steps: the body as a `Value` (its keys are text; a syntax error
    // is named here), then `T` from that value.
    let mut de = serde_json::Deserializer::from_slice(body);
    let (path, message) = match serde_path_to_error::deserialize::<_, Value>(&mut de) {
        Ok(value) => match serde_path_to_error::deserialize::<_, T>(value) {
            Err(e) => (e.path().to_string(), e.inner().to_string()),
            Ok(_) => (".".to_owned(), first.to_string()),
        },
        Err(e) => (e.path().to_string(), e.inner().to_string()),
    };
    let (path, message) = join_nested(path, message);
    // A secret member, or anything in a one-time link: no value shown.
    let message = if is_secret_path(&path) {
        "invalid value for a secret member (value not shown)".to_owned()
    } else {
        message
    };
    BodyError { path, message }
}

/// Decodes a JSON array body element by element: an element that does not
/// decode as `T` becomes `malformed(element as sent, its error)` (the error's
/// path is inside the element) and costs nothing to the others.
///
/// The usual body, where every element decodes, is read in one pass, as
/// [`decode_json`] would. Only a body with an odd element is read again: split
/// into its elements (their bytes, not copies), each decoded on its own.
pub(crate) fn decode_list<T: DeserializeOwned, U>(
    body: &[u8],
    ok: impl FnMut(T) -> U,
    mut malformed: impl FnMut(Value, BodyError) -> U,
) -> Result<Vec<U>, BodyError> {
    let first = match serde_json::from_slice::<Vec<T>>(body) {
        Ok(list) => return Ok(list.into_iter().map(ok).collect()),
        Err(first) => first,
    };
    // Not an array of JSON values (or not JSON): the error of the whole body.
    let whole = || {
        if body.iter().all(u8::is_ascii_whitespace) {
            empty_body()
        } else {
            body_error::<Vec<T>>(body, &first)
        }
    };
    let Ok(elements) = serde_json::from_slice::<Vec<&serde_json::value::RawValue>>(body) else {
        return Err(whole());
    };
    let mut ok = ok;
    let mut out = Vec::with_capacity(elements.len());
    for element in elements {
        let bytes = element.get().as_bytes();
        match serde_json::from_slice::<T>(bytes) {
            Ok(value) => out.push(ok(value)),
            Err(error) => {
                // Valid JSON that a `Value` cannot hold (a number beyond
                // `f64`) cannot be kept as sent: the body's error.
                let Ok(raw) = serde_json::from_slice::<Value>(bytes) else {
                    return Err(whole());
                };
                out.push(malformed(raw, body_error::<T>(bytes, &error)));
            }
        }
    }
    Ok(out)
}

/// The `Content-Type` as text, for an error.
fn content_type(content_type: Option<&HeaderValue>) -> Option<String> {
    content_type.map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn is_json(content_type: &HeaderValue) -> bool {
    let bytes = content_type.as_bytes();
    let essence = bytes
        .split(|b| *b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    essence.eq_ignore_ascii_case(b"application/json")
        || (essence.len() >= 5 && essence[essence.len() - 5..].eq_ignore_ascii_case(b"+json"))
}

/// The start of a body for an error message: bounded, lossy UTF-8, no control
/// characters.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let limit = UnexpectedResponse::EXCERPT_LIMIT;
    let slice = body.get(..body.len().min(limit)).unwrap_or_default();
    let mut text = String::with_capacity(limit);
    // Lossy decoding may widen bytes (one invalid byte becomes a 3-byte U+FFFD):
    // stop before the limit is passed.
    for c in String::from_utf8_lossy(slice).chars() {
        let c = if c.is_control() { ' ' } else { c };
        if text.len() + c.len_utf8() > limit {
            break;
        }
        text.push(c);
    }
    text.trim().to_owned()
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

/// An error body read in one pass: Okta's members and OAuth's.
#[derive(Deserialize)]
struct ErrorBody {
    /// `Some` when present, even as `null` (it still marks an Okta error).
    #[serde(rename = "errorCode", default, deserialize_with = "present")]
    error_code: Option<Option<String>>,
    #[serde(rename = "errorSummary", default, deserialize_with = "present")]
    error_summary: Option<Option<String>>,
    #[serde(rename = "errorLink", default)]
    error_link: Option<String>,
    #[serde(rename = "errorId", default)]
    error_id: Option<String>,
    #[serde(
        rename = "errorCauses",
        default,
        deserialize_with = "crate::error::one_or_many_causes"
    )]
    error_causes: Vec<ErrorCause>,
    error: Option<String>,
    error_description: Option<String>,
    #[serde(flatten)]
    extra: serde_json::Map<String, Value>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// Turns a non-2xx response into the most specific error its body allows.
fn error_response(
    status: StatusCode,
    content_type: Option<String>,
    body: &[u8],
    meta: ResponseMeta,
) -> Error {
    // The usual body decodes in one pass; anything odd (a member of another
    // type, a repeated member) takes the general path below.
    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
        if parsed.error_code.is_some() || parsed.error_summary.is_some() {
            let mut extra = parsed.extra;
            // OAuth's members on an Okta error are unusual: kept like any other.
            for (name, value) in [
                ("error", parsed.error),
                ("error_description", parsed.error_description),
            ] {
                if let Some(value) = value {
                    extra.insert(name.to_owned(), Value::String(value));
                }
            }
            let okta = OktaError {
                error_code: parsed.error_code.flatten(),
                error_summary: parsed.error_summary.flatten(),
                error_link: parsed.error_link,
                error_id: parsed.error_id,
                error_causes: parsed.error_causes,
                extra,
            };
            return Error::Api(Box::new(ApiError {
                status,
                body: okta,
                meta,
            }));
        }
        let oauth = parsed.error.map(|error| OAuthError {
            error,
            description: parsed.error_description,
        });
        return unexpected(status, content_type, body, oauth, meta);
    }
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
    let ct = response.headers().get(CONTENT_TYPE);

    if !status.is_success() {
        return Err(error_response(status, content_type(ct), body, meta));
    }
    let has_body = !body.iter().all(u8::is_ascii_whitespace);
    if ct.is_some_and(|ct| has_body && !is_json(ct)) {
        // A success body may carry secrets (a TOTP enrollment's shared
        // secret), so none of it is quoted in the error.
        return Err(unexpected(status, content_type(ct), &[], None, meta));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(body: &str) -> Error {
        let response = Response::builder()
            .status(400)
            .body(body.as_bytes())
            .unwrap();
        match parse(&response, |_, _| Ok(())) {
            Err(e) => e,
            Ok(_) => panic!("a 400 parsed as a success"),
        }
    }

    #[test]
    fn unknown_members_of_an_okta_error_are_kept() {
        let Error::Api(api) = error_of(
            r#"{"errorCode":"E0000001","errorSummary":"Api validation failed","errorCauses":[],"errorDetails":{"x":1},"error":"odd"}"#,
        ) else {
            panic!()
        };
        assert_eq!(api.body.error_code.as_deref(), Some("E0000001"));
        assert_eq!(api.body.extra["errorDetails"], serde_json::json!({"x": 1}));
        assert_eq!(api.body.extra["error"], "odd");
        // The general path (a repeated member) keeps them too, last value winning.
        let Error::Api(api) =
            error_of(r#"{"errorCode":"E1","errorCode":"E0000001","errorDetails":{"x":1}}"#)
        else {
            panic!()
        };
        assert_eq!(api.body.error_code.as_deref(), Some("E0000001"));
        assert_eq!(api.body.extra["errorDetails"], serde_json::json!({"x": 1}));
    }

    #[test]
    fn an_oauth_error_and_a_null_error_code_are_told_apart() {
        let Error::UnexpectedResponse(u) =
            error_of(r#"{"error":"invalid_token","error_description":"expired"}"#)
        else {
            panic!()
        };
        let oauth = u.oauth.unwrap();
        assert_eq!(
            (oauth.error.as_str(), oauth.description.as_deref()),
            ("invalid_token", Some("expired"))
        );
        // A present but null errorCode still marks Okta's error shape.
        assert!(matches!(error_of(r#"{"errorCode":null}"#), Error::Api(_)));
        assert!(matches!(
            error_of(r#"{"other":1}"#),
            Error::UnexpectedResponse(_)
        ));
    }
}
