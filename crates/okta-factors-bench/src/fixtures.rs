//! IDs, credentials and responses shared by the benchmarks.

use okta_factors_core::http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use okta_factors_core::model::FactorEnrollment;
use okta_factors_core::operations::{
    ActivateFactor, ActivateFactorRequest, EnrollFactor, GetFactor, GetFactorTransactionStatus,
    ListFactors, ListSupportedFactors, ListSupportedSecurityQuestions, ResendEnrollFactor,
    UnenrollFactor, VerifyFactor, VerifyFactorRequest,
};
use okta_factors_core::{Credentials, Error, Operation, OrgUrl};

/// The user of every request (the one in the payloads' links).
pub const USER_ID: &str = "00u15s1KDETTQMQYABRL";
/// The factor of `get_factor` (the one in `get-factor.json`).
pub const FACTOR_ID: &str = "sms2gt8gzgEBPUWBIFHN";
/// A push transaction ID (the one in `verify-waiting.json`).
pub const TRANSACTION_ID: &str = "v2mst.GldKV5VxTrifyeZmWSQguA";
/// The org of the parse and build benchmarks (the payloads' org).
pub const ORG: &str = "https://dev-4711.okta.com";
/// An API token of realistic length (42 characters).
pub const API_TOKEN: &str = "00aBcD-0123456789abcdefghijklmnopqrstuvwxy";

/// The response headers Okta sends with every answer, as name and value.
pub const RESPONSE_HEADERS: [(&str, &str); 6] = [
    ("content-type", "application/json"),
    ("date", "Tue, 01 Apr 2025 15:57:32 GMT"),
    ("x-okta-request-id", "X0f4RnNPapvRLvhscmTkBgAABqk"),
    ("x-rate-limit-limit", "600"),
    ("x-rate-limit-remaining", "599"),
    ("x-rate-limit-reset", "1743523112"),
];

/// The org of the parse and build benchmarks.
pub fn org() -> Result<OrgUrl, Error> {
    Ok(OrgUrl::parse(ORG)?)
}

/// SSWS credentials with [`API_TOKEN`].
pub fn credentials() -> Result<Credentials, Error> {
    Ok(Credentials::api_token(API_TOKEN)?)
}

/// The response a transport hands to `parse_response`: `status`, Okta's
/// headers ([`RESPONSE_HEADERS`]) and `body`.
pub fn response(status: u16, body: &'static [u8]) -> Response<&'static [u8]> {
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    for (name, value) in RESPONSE_HEADERS {
        response.headers_mut().insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    response
}

/// The bytes of an HTTP/1.1 response with `status`, Okta's headers, a
/// `content-length` and `body` (what the loopback server sends).
pub fn http1_response(status: u16, body: &[u8]) -> Vec<u8> {
    http1_response_with(status, &RESPONSE_HEADERS, body)
}

/// As [`http1_response`], with `headers` instead of [`RESPONSE_HEADERS`].
pub fn http1_response_with(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Status");
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Builds one operation's request (the operation is built beforehand).
pub type BuildFn = Box<dyn Fn(&OrgUrl, &Credentials) -> Result<Request<Vec<u8>>, Error>>;

/// One request-building benchmark: an operation with or without its optional
/// parameters.
pub struct BuildCase {
    /// `<operation>` (required parameters only) or `<operation>+opts` (every
    /// optional query parameter, header and body set).
    pub name: &'static str,
    /// Calls `build_request` of the operation.
    pub build: BuildFn,
}

impl std::fmt::Debug for BuildCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildCase")
            .field("name", &self.name)
            .finish()
    }
}

fn case<O: Operation + 'static>(name: &'static str, op: O) -> BuildCase {
    BuildCase {
        name,
        build: Box::new(move |org, credentials| op.build_request(org, credentials)),
    }
}

/// All ten operations, each without and (where it has any) with its optional
/// parameters.
pub fn build_cases() -> Vec<BuildCase> {
    const U: &str = USER_ID;
    const F: &str = FACTOR_ID;
    vec![
        case("list_factors", ListFactors::new(U)),
        case(
            "enroll_factor",
            EnrollFactor::new(U, FactorEnrollment::sms("+15554151337")),
        ),
        case(
            "enroll_factor+opts",
            EnrollFactor::new(U, FactorEnrollment::sms("+15554151337"))
                .update_phone(true)
                .template_id("cstk2flOtuCMDJK4b0g3")
                .token_lifetime_seconds(300)
                .activate(true)
                .accept_language("fr"),
        ),
        case("get_factor", GetFactor::new(U, F)),
        case("unenroll_factor", UnenrollFactor::new(U, F)),
        case(
            "unenroll_factor+opts",
            UnenrollFactor::new(U, F).remove_recovery_enrollment(true),
        ),
        case("activate_factor", ActivateFactor::new(U, F)),
        case(
            "activate_factor+opts",
            ActivateFactor::new(U, F).body(ActivateFactorRequest::pass_code("123456")),
        ),
        case(
            "resend_enroll_factor",
            ResendEnrollFactor::new(U, F, FactorEnrollment::sms("+15554151337")),
        ),
        case(
            "resend_enroll_factor+opts",
            ResendEnrollFactor::new(U, F, FactorEnrollment::sms("+15554151337"))
                .template_id("cstk2flOtuCMDJK4b0g3")
                .accept_language("fr"),
        ),
        case("verify_factor", VerifyFactor::new(U, F)),
        case(
            "verify_factor+opts",
            VerifyFactor::new(U, F)
                .body(VerifyFactorRequest::pass_code("123456"))
                .template_id("cstk2flOtuCMDJK4b0g3")
                .token_lifetime_seconds(300)
                .forwarded_for("203.0.113.7")
                .user_agent("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15")
                .accept_language("fr"),
        ),
        case(
            "get_factor_transaction_status",
            GetFactorTransactionStatus::new(U, "opfh52xcuft3J4uZc0g3", TRANSACTION_ID),
        ),
        case("list_supported_factors", ListSupportedFactors::new(U)),
        case(
            "list_supported_security_questions",
            ListSupportedSecurityQuestions::new(U),
        ),
    ]
}

/// An `http::Request` with the same method, URI, headers and body as
/// `request`, built by hand: the floor for building that request.
pub fn rebuild(request: &Request<Vec<u8>>) -> Result<Request<Vec<u8>>, http::Error> {
    let mut builder = Request::builder()
        .method(request.method().clone())
        .uri(request.uri().to_string());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    builder.body(request.body().clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payloads::GET_FACTOR;
    use okta_factors_core::operations::GetFactor;
    use okta_factors_core::Operation;

    #[test]
    fn the_get_factor_payload_parses_as_the_factor() {
        let op = GetFactor::new(USER_ID, FACTOR_ID);
        let parsed = op.parse_response(response(200, GET_FACTOR.bytes)).unwrap();
        assert_eq!(parsed.value.id(), Some(FACTOR_ID));
        assert_eq!(parsed.meta.rate_limit.remaining, Some(599));
    }

    #[test]
    fn every_operation_builds_and_rebuilds_identically() {
        let (org, credentials) = (org().unwrap(), credentials().unwrap());
        let cases = build_cases();
        let mut operations: Vec<&str> = cases
            .iter()
            .map(|c| c.name.trim_end_matches("+opts"))
            .collect();
        operations.dedup();
        assert_eq!(operations.len(), 10);
        for case in &cases {
            let request = (case.build)(&org, &credentials).unwrap();
            let copy = rebuild(&request).unwrap();
            assert_eq!(copy.method(), request.method(), "{}", case.name);
            assert_eq!(copy.uri(), request.uri(), "{}", case.name);
            assert_eq!(copy.headers(), request.headers(), "{}", case.name);
            assert_eq!(copy.body(), request.body(), "{}", case.name);
        }
    }

    #[test]
    fn http1_response_has_a_content_length() {
        let bytes = http1_response(200, b"{}");
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(text.ends_with("content-length: 2\r\n\r\n{}"));
    }
}
