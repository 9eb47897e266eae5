//! [`OrgUrl`]: the validated origin of an Okta org.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use http::Uri;

use crate::error::InputError;

/// The origin of an Okta org (`https://dev-123456.okta.com`, or a custom domain).
///
/// Validation catches the classic mistakes, each with a message that says how
/// to fix it: a `{yourOktaDomain}` placeholder left in, the Admin Console URL
/// (`…-admin.okta.com`), a `.com.com` typo, user info, a query or fragment, a
/// path such as `/api/v1`, and plain `http` (allowed only for loopback hosts,
/// for tests and the simulator). A single trailing slash is accepted and
/// dropped.
///
/// ```
/// use okta_factors::OrgUrl;
/// let org = OrgUrl::parse("https://dev-123456.okta.com/").unwrap();
/// assert_eq!(org.as_str(), "https://dev-123456.okta.com");
///
/// let err = OrgUrl::parse("https://dev-123456-admin.okta.com").unwrap_err();
/// assert!(err.to_string().contains("https://dev-123456.okta.com"));
/// assert!(OrgUrl::parse("http://dev-123456.okta.com").is_err());
/// assert!(OrgUrl::parse("http://127.0.0.1:8080").is_ok());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OrgUrl {
    origin: String,
    scheme_len: usize,
    host: String,
    port: Option<u16>,
}

const ADMIN_SUFFIXES: [&str; 3] = [
    "-admin.okta.com",
    "-admin.oktapreview.com",
    "-admin.okta-emea.com",
];

fn invalid(reason: impl Into<String>) -> InputError {
    InputError::OrgUrl {
        reason: reason.into(),
    }
}

impl OrgUrl {
    /// Parses and validates an org URL.
    pub fn parse(input: &str) -> Result<Self, InputError> {
        Self::parse_with(input, false)
    }

    /// **Dangerous**: [`OrgUrl::parse`], but plain `http` is allowed for any
    /// host, not only loopback: for a mock of Okta in a test container
    /// (`http://okta-mock:8080`). The API token, access tokens, passcodes
    /// and answers then cross the network **in clear**. Never point this at
    /// a real org. (Python's and Go's SDKs call it `testingDisableHttpsCheck`.)
    ///
    /// Only code can ask for it: no configuration file or environment
    /// variable turns it on. The clients log a warning (through `log`) the
    /// first time one is built for such an org.
    ///
    /// ```
    /// use okta_factors::OrgUrl;
    /// assert!(OrgUrl::parse("http://okta-mock:8080").is_err());
    /// let org = OrgUrl::parse_allowing_insecure_http("http://okta-mock:8080")?;
    /// assert!(org.is_insecure_http());
    /// assert!(!OrgUrl::parse("http://127.0.0.1:8080")?.is_insecure_http());
    /// # Ok::<(), okta_factors::InputError>(())
    /// ```
    pub fn parse_allowing_insecure_http(input: &str) -> Result<Self, InputError> {
        Self::parse_with(input, true)
    }

    /// Whether requests to this org go over plain `http` to a host that is
    /// not loopback (only after [`OrgUrl::parse_allowing_insecure_http`]).
    pub fn is_insecure_http(&self) -> bool {
        self.scheme() == "http" && !self.is_loopback()
    }

    fn parse_with(input: &str, allow_insecure_http: bool) -> Result<Self, InputError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(invalid(
                "it is empty; use your org's URL, e.g. https://dev-123456.okta.com",
            ));
        }
        if input.contains(['{', '}']) {
            return Err(invalid(
                "it still contains a placeholder like {yourOktaDomain}; replace it with your org's domain, e.g. https://dev-123456.okta.com",
            ));
        }
        if input.contains('#') {
            return Err(invalid(
                "remove the fragment (#…): the org URL is only scheme and host",
            ));
        }
        if input.contains('?') {
            return Err(invalid(
                "remove the query (?…): the org URL is only scheme and host",
            ));
        }
        let uri: Uri = input.parse().map_err(|_| {
            invalid("it is not an absolute URL; use the form https://dev-123456.okta.com")
        })?;
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(invalid(
                "it is not an absolute URL; use the form https://dev-123456.okta.com",
            ));
        };
        if authority.as_str().contains('@') {
            return Err(invalid(
                "remove the user info (user:password@): pass the API token as Credentials instead",
            ));
        }
        let host = authority.host().trim_end_matches('.').to_ascii_lowercase();
        if host.is_empty() {
            return Err(invalid(
                "it has no host; use the form https://dev-123456.okta.com",
            ));
        }
        if raw_port(authority.as_str()).is_some_and(|p| !is_digits(p))
            || (raw_port(authority.as_str()).is_some()
                && !matches!(authority.port_u16(), Some(1..)))
        {
            return Err(invalid(format!(
                "the port of {authority} is not a valid port (1-65535)"
            )));
        }
        for suffix in ADMIN_SUFFIXES {
            if let Some(org) = host.strip_suffix(suffix).filter(|org| !org.is_empty()) {
                let domain = &suffix["-admin.".len()..];
                return Err(invalid(format!(
                    "{host} is the Admin Console URL; use your org URL without \"-admin\": https://{org}.{domain}"
                )));
            }
        }
        if host.ends_with(".com.com") {
            return Err(invalid(format!(
                "the host {host} ends in \".com.com\", a typo; remove the extra \".com\""
            )));
        }
        let loopback = is_loopback_host(&host);
        match scheme.to_ascii_lowercase().as_str() {
            "https" => {}
            "http" if loopback || allow_insecure_http => {}
            "http" => {
                return Err(invalid(format!(
                    "plain http is only allowed for loopback hosts (tests); use https://{host} \
                     (for a mock server in a test container, OrgUrl::parse_allowing_insecure_http, in code)"
                )))
            }
            other => {
                return Err(invalid(format!(
                    "the scheme {other:?} is not supported; use https://"
                )))
            }
        }
        let path = uri.path();
        if !(path.is_empty() || path == "/") {
            return Err(invalid(format!(
                "remove the path {path:?}: the org URL is only scheme and host (e.g. https://{host}); this client adds /api/v1/… itself"
            )));
        }
        let scheme = scheme.to_ascii_lowercase();
        let port = authority.port_u16();
        let origin = match port {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        };
        Ok(Self {
            scheme_len: scheme.len(),
            origin,
            host,
            port,
        })
    }

    /// The origin, e.g. `https://dev-123456.okta.com` (no trailing slash).
    pub fn as_str(&self) -> &str {
        &self.origin
    }

    /// The scheme, `https` (or `http` for loopback).
    pub fn scheme(&self) -> &str {
        &self.origin[..self.scheme_len]
    }

    /// The host, lower-cased (IPv6 hosts keep their brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The explicit port, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// Whether the host is a loopback host (`localhost`, `127.0.0.0/8`, `[::1]`).
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.host)
    }

    /// Whether `url` is an absolute URL with the same origin (scheme, host and
    /// effective port) as this org. Credentials must never go anywhere else.
    ///
    /// ```
    /// use okta_factors::OrgUrl;
    /// let org = OrgUrl::parse("https://dev-1.okta.com").unwrap();
    /// assert!(org.is_same_origin("https://dev-1.okta.com:443/api/v1/users/x"));
    /// assert!(!org.is_same_origin("https://evil.example/api/v1/users/x"));
    /// assert!(!org.is_same_origin("https://dev-1.okta.com.evil.example/"));
    /// ```
    pub fn is_same_origin(&self, url: &str) -> bool {
        let Ok(uri) = url.trim().parse::<Uri>() else {
            return false;
        };
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return false;
        };
        if authority.as_str().contains('@')
            || raw_port(authority.as_str()).is_some_and(|p| !is_digits(p))
            || (raw_port(authority.as_str()).is_some() && authority.port_u16().is_none())
        {
            return false;
        }
        let default_port = |scheme: &str| match scheme {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        };
        let scheme = scheme.to_ascii_lowercase();
        scheme == self.scheme()
            && authority
                .host()
                .trim_end_matches('.')
                .eq_ignore_ascii_case(&self.host)
            && authority.port_u16().or(default_port(&scheme))
                == self.port.or(default_port(self.scheme()))
    }
}

/// The port text of an authority, if it has one (`http` drops ports it cannot
/// parse as `u16`, so the text is checked here).
fn raw_port(authority: &str) -> Option<&str> {
    let after_host = match authority.rfind(']') {
        Some(end) => &authority[end + 1..],
        None => authority.rsplit('@').next().unwrap_or(authority),
    };
    after_host.rsplit_once(':').map(|(_, port)| port)
}

/// Whether a port is written as digits only (`http` also reads `+443`).
fn is_digits(port: &str) -> bool {
    port.bytes().all(|b| b.is_ascii_digit())
}

fn is_loopback_host(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    if let Ok(ip) = host.parse::<Ipv4Addr>() {
        return ip.is_loopback();
    }
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .and_then(|h| h.parse::<Ipv6Addr>().ok())
        .is_some_and(|ip| ip.is_loopback())
}

impl FromStr for OrgUrl {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<&str> for OrgUrl {
    type Error = InputError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl fmt::Display for OrgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)
    }
}

impl fmt::Debug for OrgUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("OrgUrl").field(&self.origin).finish()
    }
}
