//! Request assembly shared by every operation.

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, USER_AGENT};
use http::{HeaderName, HeaderValue, Method, Request};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::credentials::Credentials;
use crate::error::{Error, InputError};
use crate::operation::Operation;
use crate::org_url::OrgUrl;

/// `User-Agent` of requests built by this crate.
pub(crate) const CRATE_USER_AGENT: &str = concat!("okta-factors-rust/", env!("CARGO_PKG_VERSION"));

/// Carries the crate's identity when `User-Agent` is the end user's (verify).
pub(crate) const X_OKTA_USER_AGENT_EXTENDED: HeaderName =
    HeaderName::from_static("x-okta-user-agent-extended");

/// Everything but RFC 3986 unreserved characters is encoded, so any string is
/// exactly one path segment and decodes back to itself.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes an ID as one path segment onto the end of `out`, rejecting
/// the IDs no encoding can make safe (empty, `.`, `..`).
fn push_path_segment(out: &mut String, field: &'static str, value: &str) -> Result<(), InputError> {
    let reason = match value {
        "" => Some("must not be empty"),
        "." | ".." => Some("must not be \".\" or \"..\""),
        _ => None,
    };
    if let Some(reason) = reason {
        return Err(InputError::Id { field, reason });
    }
    out.extend(utf8_percent_encode(value, SEGMENT));
    Ok(())
}

/// Appends the path of `template` to `out`, substituting its `{name}`
/// parameters in order.
pub(crate) fn push_path(
    out: &mut String,
    template: &'static str,
    params: &[&str],
) -> Result<(), InputError> {
    let mut params = params.iter();
    for segment in template.split('/').skip(1) {
        out.push('/');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let value = params.next().ok_or(InputError::Id {
                    field: name_of(name),
                    reason: "missing",
                })?;
                push_path_segment(out, name_of(name), value)?;
            }
            None => out.push_str(segment),
        }
    }
    Ok(())
}

/// The static name of a template parameter (for error messages).
fn name_of(name: &str) -> &'static str {
    match name {
        "userId" => "userId",
        "factorId" => "factorId",
        "transactionId" => "transactionId",
        _ => "path parameter",
    }
}

/// A header value from caller input: visible ASCII, spaces and tabs only.
/// (`HeaderValue::from_str` would also let non-ASCII bytes through.)
pub(crate) fn header_value(name: &HeaderName, value: &str) -> Result<HeaderValue, InputError> {
    let invalid = || InputError::Header {
        name: static_header_name(name),
        reason: "it contains CR, LF, control or non-ASCII characters",
    };
    if !value
        .bytes()
        .all(|b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
    {
        return Err(invalid());
    }
    HeaderValue::from_str(value).map_err(|_| invalid())
}

fn static_header_name(name: &HeaderName) -> &'static str {
    match name.as_str() {
        "x-forwarded-for" => "X-Forwarded-For",
        "user-agent" => "User-Agent",
        "accept-language" => "Accept-Language",
        _ => "request",
    }
}

/// Builds the request of `op`; see [`Operation::build_request`].
pub(crate) fn build<O: Operation + ?Sized>(
    op: &O,
    org: &OrgUrl,
    credentials: &Credentials,
) -> Result<Request<Vec<u8>>, Error> {
    let parts = op.request_parts()?;
    let mut uri = String::with_capacity(org.as_str().len() + O::PATH_TEMPLATE.len() + 64);
    uri.push_str(org.as_str());
    push_path(&mut uri, O::PATH_TEMPLATE, &parts.path_params)?;
    if !parts.query.is_empty() {
        uri.push('?');
        uri.push_str(&serde_urlencoded::to_string(&parts.query).map_err(|e| {
            InputError::Parameter {
                name: "query",
                reason: e.to_string(),
            }
        })?);
    }

    let mut builder = Request::builder()
        .method(O::METHOD)
        .uri(uri)
        .header(ACCEPT, HeaderValue::from_static("application/json"));
    // A service app's token is added when the request is sent (policy::Authorize).
    if let Some(authorization) = credentials.authorization() {
        builder = builder.header(AUTHORIZATION, authorization);
    }
    let mut user_agent_set = false;
    for (name, value) in &parts.headers {
        let value = header_value(name, value)?;
        if *name == USER_AGENT {
            // The end user's agent goes in User-Agent (Okta uses it for push risk
            // decisions); the crate's identity moves to its own header.
            user_agent_set = true;
            builder = builder.header(X_OKTA_USER_AGENT_EXTENDED, CRATE_USER_AGENT);
        }
        builder = builder.header(name, value);
    }
    if !user_agent_set {
        builder = builder.header(USER_AGENT, CRATE_USER_AGENT);
    }
    if parts.body.is_some() {
        builder = builder.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    } else if matches!(O::METHOD, Method::POST | Method::PUT | Method::PATCH) {
        // A body-less POST (push activation, a challenge) is framed the same
        // by every transport: `Content-Length: 0` (RFC 9110 §8.6), which some
        // proxies require (`411 Length Required` without it).
        builder = builder.header(CONTENT_LENGTH, HeaderValue::from_static("0"));
    }
    builder.body(parts.body.unwrap_or_default()).map_err(|e| {
        Error::Input(InputError::Parameter {
            name: "request",
            reason: e.to_string(),
        })
    })
}
