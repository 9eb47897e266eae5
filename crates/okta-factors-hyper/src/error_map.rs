//! Mapping hyper / hyper-util / rustls failures to [`TransportError`] kinds.

use std::error::Error as StdError;
use std::io;

use http_body_util::LengthLimitError;
use okta_factors_core::{TimeoutLimit, TransportError, TransportErrorKind};

type BoxError = Box<dyn StdError + Send + Sync>;

/// A failure of `hyper_util::client::legacy::Client::request` (no response head).
pub(crate) fn request_error(err: hyper_util::client::legacy::Error) -> TransportError {
    let connect = err.is_connect();
    let fallback = if connect {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Other
    };
    let kind = classify(&err, connect, fallback);
    TransportError::new(kind, describe(&err)).with_source(err)
}

/// A failure while reading the response body.
pub(crate) fn body_error(err: BoxError, limit: usize) -> TransportError {
    if err.is::<LengthLimitError>() {
        return TransportError::new(
            TransportErrorKind::BodyTooLarge { limit },
            format!("the response body exceeds max_response_bytes ({limit} bytes)"),
        );
    }
    let kind = classify(&*err, false, TransportErrorKind::Io);
    let mut error = TransportError::new(kind, describe(&*err));
    error.source = Some(err);
    error
}

/// The next cause: `io::Error` hides its inner error from `source()`, so look
/// inside it with `get_ref()`.
fn next_cause<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a (dyn StdError + 'static)> {
    match err.downcast_ref::<io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
        None => err.source(),
    }
}

fn causes<'a>(
    err: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> + 'a {
    std::iter::successors(Some(err), |e| next_cause(*e)).take(16)
}

/// The most specific kind found anywhere in the cause chain.
fn classify(
    err: &(dyn StdError + 'static),
    connect: bool,
    fallback: TransportErrorKind,
) -> TransportErrorKind {
    let mut found = None;
    for cause in causes(err) {
        if is_tls(cause) {
            return TransportErrorKind::Tls;
        }
        if let Some(status) = proxy_refusal(cause) {
            return TransportErrorKind::Proxy { status };
        }
        // hyper-util's HttpConnector reports resolver failures as "dns error".
        if connect && cause.to_string() == "dns error" {
            return TransportErrorKind::Dns;
        }
        if let Some(io) = cause.downcast_ref::<io::Error>() {
            if connect && io.kind() == io::ErrorKind::TimedOut {
                // HttpConnector::set_connect_timeout reports TimedOut.
                found.get_or_insert(TransportErrorKind::Timeout(TimeoutLimit::Connect));
            } else if !connect {
                found.get_or_insert(TransportErrorKind::Io);
            }
        }
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>() {
            if hyper.is_parse() || hyper.is_parse_status() {
                found.get_or_insert(TransportErrorKind::Protocol);
            } else if hyper.is_incomplete_message()
                || hyper.is_closed()
                || hyper.is_canceled()
                || hyper.is_body_write_aborted()
            {
                found.get_or_insert(TransportErrorKind::Io);
            }
        }
    }
    found.unwrap_or(fallback)
}

/// The status of a proxy's refusal to open the tunnel, if `err` is one.
#[cfg(feature = "tokio")]
fn proxy_refusal(err: &(dyn StdError + 'static)) -> Option<Option<u16>> {
    err.downcast_ref::<crate::proxy::ProxyRefused>()
        .map(|refused| refused.status)
}

#[cfg(not(feature = "tokio"))]
fn proxy_refusal(_: &(dyn StdError + 'static)) -> Option<Option<u16>> {
    None
}

#[cfg(feature = "tokio")]
fn is_tls(err: &(dyn StdError + 'static)) -> bool {
    err.is::<rustls::Error>()
}

#[cfg(not(feature = "tokio"))]
fn is_tls(_: &(dyn StdError + 'static)) -> bool {
    false
}

/// The messages of the cause chain, e.g. `client error (Connect): tcp connect
/// error: Connection refused (os error 111)`. hyper never puts request headers
/// or bodies in its errors.
fn describe(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in causes(err) {
        let text = cause.to_string();
        if !text.is_empty() && parts.last() != Some(&text) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_inner_errors_are_followed() {
        let inner = io::Error::new(io::ErrorKind::TimedOut, "deadline");
        let outer = io::Error::other(inner);
        // outer io::Error → inner io::Error → its message
        assert_eq!(causes(&outer).count(), 3);
        assert_eq!(
            classify(&outer, true, TransportErrorKind::Connect),
            TransportErrorKind::Timeout(TimeoutLimit::Connect)
        );
        assert_eq!(
            classify(&outer, false, TransportErrorKind::Other),
            TransportErrorKind::Io
        );
        assert_eq!(describe(&outer), "deadline");
    }

    #[cfg(feature = "tokio")]
    #[test]
    fn rustls_errors_are_tls() {
        let err = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer),
        );
        assert_eq!(
            classify(&err, true, TransportErrorKind::Connect),
            TransportErrorKind::Tls
        );
    }

    #[tokio::test]
    async fn limit_errors_are_body_too_large() {
        use http_body_util::{BodyExt, Full, Limited};
        let body = Limited::new(Full::new(bytes::Bytes::from(vec![b'x'; 20])), 10);
        let Err(err) = body.collect().await else {
            panic!("the limit was not enforced");
        };
        let err = body_error(err, 10);
        assert_eq!(err.kind, TransportErrorKind::BodyTooLarge { limit: 10 });
    }
}
