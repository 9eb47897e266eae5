//! [`Proxy`]: the HTTP proxy both clients tunnel through, and the hosts that
//! bypass it. One description and one matcher for every transport.

use std::fmt;
use std::net::IpAddr;

use okta_factors_core::http::header::HeaderValue;
use okta_factors_core::http::Uri;
use okta_factors_core::Secret;

/// An `http://` proxy that requests are tunnelled through with `CONNECT`,
/// optionally with basic credentials, and the hosts that bypass it
/// (`no_proxy`). The same option in both clients
/// (`ClientBuilder::proxy`); a transport of your own can read it too
/// ([`Proxy::intercepts`], [`Proxy::authorization`]).
///
/// The tunnel carries the TLS connection to the org end to end: the proxy
/// sees `CONNECT host:443` and encrypted bytes, never the API token or a
/// factor's answer. (A plain-`http` org, loopback or
/// [insecure](okta_factors_core::OrgUrl::parse_allowing_insecure_http), is
/// tunnelled the same way, in clear.)
///
/// No proxy is used unless one is configured: neither client reads
/// `HTTPS_PROXY` and friends on its own. [`Proxy::from_env`] reads them when
/// asked.
///
/// ```
/// use okta_factors::Proxy;
///
/// let proxy = Proxy::new("http://proxy.corp.example:3128")?
///     .basic_auth("svc-okta", "proxy-password")
///     .no_proxy("localhost, .internal.example, 10.0.0.0/8");
/// assert_eq!((proxy.host(), proxy.port()), ("proxy.corp.example", 3128));
/// assert!(proxy.intercepts(&"https://dev-123456.okta.com/api/v1/users".parse()?));
/// assert!(!proxy.intercepts(&"https://okta.internal.example/".parse()?));
/// assert!(!proxy.intercepts(&"http://10.1.2.3:8080/".parse()?));
/// // The credentials are never printed.
/// assert!(!format!("{proxy:?}").contains("proxy-password"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    /// Lower-cased; an IPv6 address in brackets.
    host: String,
    port: u16,
    credentials: Option<(String, Secret)>,
    no_proxy: Vec<Bypass>,
}

/// One entry of a `no_proxy` list.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Bypass {
    /// `*`: every host.
    All,
    /// An IP address or network (`10.1.2.3`, `10.0.0.0/8`, `::1`, `fd00::/8`).
    Net(ipnet::IpNet),
    /// A domain and its subdomains (`example.com`, `.example.com` and
    /// `*.example.com` alike), lower-cased, without leading dots.
    Domain(String),
}

impl Proxy {
    /// The proxy at `url`: `http://[user[:password]@]host[:port]` (percent-encoded
    /// credentials are decoded), or `host[:port]` alone. The port defaults to
    /// 80, as in any `http` URL (curl assumes 1080: give the port).
    ///
    /// `https://` (TLS to the proxy) and SOCKS proxies are refused: the
    /// tunnel's TLS to the org already protects everything that passes.
    /// Error messages never repeat the credentials.
    pub fn new(url: &str) -> Result<Self, ProxyError> {
        let url = url.trim();
        let rest = match url.split_once("://") {
            None => url,
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => rest,
            Some((scheme, _)) => {
                return Err(ProxyError::new(format!(
                    "the proxy scheme {:?} is not supported; use an http:// proxy (requests are \
                     tunnelled through it with CONNECT, TLS to the org end to end)",
                    scheme.to_ascii_lowercase()
                )))
            }
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (userinfo, authority) = match rest.rsplit_once('@') {
            Some((userinfo, authority)) => (Some(userinfo), authority),
            None => (None, rest),
        };
        if authority.contains(['/', '?', '#']) {
            return Err(ProxyError::new(
                "a proxy URL is only scheme, host and port (http://proxy.example:3128), without a path",
            ));
        }
        let uri: Uri = format!("http://{authority}").parse().map_err(|_| {
            ProxyError::new(format!("{authority:?} is not a valid proxy host:port"))
        })?;
        let host = uri
            .host()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| ProxyError::new("the proxy URL has no host"))?
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let port = match authority.rsplit_once(':') {
            // `host:port`, and not the inside of a bracketed IPv6 address.
            Some((_, text)) if !text.contains(']') => match text.parse::<u16>() {
                Ok(port) if port > 0 && text.bytes().all(|b| b.is_ascii_digit()) => port,
                _ => {
                    return Err(ProxyError::new(format!(
                        "the proxy port {text:?} is not a port (1-65535)"
                    )))
                }
            },
            _ => 80,
        };
        let mut proxy = Self {
            host,
            port,
            credentials: None,
            no_proxy: Vec::new(),
        };
        if let Some(userinfo) = userinfo {
            let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            let decode = |part: &str| {
                percent_encoding::percent_decode_str(part)
                    .decode_utf8()
                    .map(|text| text.into_owned())
                    .map_err(|_| {
                        ProxyError::new(
                            "the proxy URL's user info is not UTF-8 once percent-decoded",
                        )
                    })
            };
            proxy = proxy.basic_auth(decode(user)?, decode(password)?);
        }
        Ok(proxy)
    }

    /// Sends `Proxy-Authorization: Basic …` with `username` and `password` on
    /// every `CONNECT` (replacing credentials given in the URL).
    pub fn basic_auth(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((username.into(), Secret::new(password.into())));
        self
    }

    /// Adds the hosts of `list` (comma- or space-separated, as `NO_PROXY`) to
    /// those reached directly, not through the proxy: `*` (every host), an
    /// IP address or network (`10.1.2.3`, `10.0.0.0/8`, `::1`, `fd00::/8`),
    /// or a domain, which also covers its subdomains (`example.com`,
    /// `.example.com` and `*.example.com` alike). Names are compared without
    /// case; ports are not part of an entry.
    pub fn no_proxy(mut self, list: &str) -> Self {
        self.no_proxy.extend(
            list.split([',', ' ', '\t', '\n'])
                .filter(|entry| !entry.is_empty())
                .map(Bypass::parse),
        );
        self
    }

    /// The proxy the environment names, as curl reads it for an `https` URL:
    /// `https_proxy`, `HTTPS_PROXY`, `all_proxy`, `ALL_PROXY` (the first one
    /// set and not empty; lower case first), with the hosts of `no_proxy` or
    /// else `NO_PROXY`. `None` when none is set. An unusable value is an
    /// error that names its variable (never its credentials).
    ///
    /// Neither client calls this on its own: environment proxies apply only
    /// when you pass this to `ClientBuilder::proxy`.
    pub fn from_env() -> Result<Option<Self>, ProxyError> {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`Proxy::from_env`] over any lookup of variables.
    pub(crate) fn from_vars(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ProxyError> {
        let set = |name: &&str| var(name).filter(|value| !value.trim().is_empty());
        let Some((name, url)) = ["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
            .iter()
            .find_map(|name| set(name).map(|url| (*name, url)))
        else {
            return Ok(None);
        };
        let proxy = Self::new(&url).map_err(|e| ProxyError::new(format!("{name}: {e}")))?;
        let no_proxy = ["no_proxy", "NO_PROXY"].iter().find_map(set);
        Ok(Some(match no_proxy {
            Some(list) => proxy.no_proxy(&list),
            None => proxy,
        }))
    }

    /// Whether a request to `uri` goes through this proxy: unless its host
    /// is one of the [`no_proxy`](Proxy::no_proxy) hosts.
    pub fn intercepts(&self, uri: &Uri) -> bool {
        let Some(host) = uri.host() else {
            return false;
        };
        let host = host.trim_end_matches('.');
        let ip = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host)
            .parse::<IpAddr>()
            .ok();
        !self.no_proxy.iter().any(|entry| entry.matches(host, ip))
    }

    /// The proxy's host (lower-cased; an IPv6 address in brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The proxy's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The proxy's URL without credentials, e.g. `http://proxy.corp.example:3128`.
    pub fn url(&self) -> String {
        format!("http://{}:{}", self.host, self.port)
    }

    /// The basic credentials, username and password: only to put them on
    /// the wire (a transport whose proxy support takes them apart).
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(user, password)| (user.as_str(), password.expose()))
    }

    /// The `Proxy-Authorization` value of a `CONNECT`
    /// (`Basic base64(user:password)`), marked sensitive.
    pub fn authorization(&self) -> Option<HeaderValue> {
        let (user, password) = self.credentials()?;
        let encoded = data_encoding::BASE64.encode(format!("{user}:{password}").as_bytes());
        let mut value = HeaderValue::try_from(format!("Basic {encoded}")).ok()?;
        value.set_sensitive(true);
        Some(value)
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Proxy");
        debug.field("url", &self.url());
        if self.credentials.is_some() {
            debug.field("credentials", &"[REDACTED]");
        }
        debug.field("no_proxy", &self.no_proxy).finish()
    }
}

impl Bypass {
    fn parse(entry: &str) -> Self {
        if entry == "*" {
            return Self::All;
        }
        let bare = entry
            .strip_prefix('[')
            .and_then(|e| e.strip_suffix(']'))
            .unwrap_or(entry);
        if let Ok(net) = bare.parse::<ipnet::IpNet>() {
            return Self::Net(net);
        }
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Self::Net(ipnet::IpNet::from(ip));
        }
        let domain = entry.strip_prefix('*').unwrap_or(entry);
        Self::Domain(
            domain
                .trim_start_matches('.')
                .trim_end_matches('.')
                .to_ascii_lowercase(),
        )
    }

    fn matches(&self, host: &str, ip: Option<IpAddr>) -> bool {
        match (self, ip) {
            (Self::All, _) => true,
            (Self::Net(net), Some(ip)) => net.contains(&ip),
            (Self::Net(_), None) | (Self::Domain(_), Some(_)) => false,
            (Self::Domain(domain), None) => {
                !domain.is_empty()
                    && host.len() >= domain.len()
                    && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
                    && (host.len() == domain.len()
                        || host.as_bytes()[host.len() - domain.len() - 1] == b'.')
            }
        }
    }
}

/// Why a [`Proxy`] could not be made. The message never holds the
/// credentials.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ProxyError {
    message: String,
}

impl ProxyError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn uri(text: &str) -> Uri {
        text.parse().unwrap()
    }

    #[test]
    fn urls_are_read_with_their_parts_and_credentials_decoded() {
        for (url, host, port, credentials) in [
            ("http://proxy.example:3128", "proxy.example", 3128, None),
            ("http://Proxy.Example:3128/", "proxy.example", 3128, None),
            ("proxy.example:8080", "proxy.example", 8080, None),
            ("HTTP://proxy.example", "proxy.example", 80, None),
            ("http://10.0.0.1:3128", "10.0.0.1", 3128, None),
            ("http://[::1]:3128", "[::1]", 3128, None),
            ("http://[::1]", "[::1]", 80, None),
            (
                "http://alice:s3cret@proxy.example:3128",
                "proxy.example",
                3128,
                Some(("alice", "s3cret")),
            ),
            (
                "http://al%40ice:p%3Ass%25w@proxy.example:3128",
                "proxy.example",
                3128,
                Some(("al@ice", "p:ss%w")),
            ),
            (
                "http://bob@proxy.example:1",
                "proxy.example",
                1,
                Some(("bob", "")),
            ),
        ] {
            let proxy = Proxy::new(url).unwrap();
            assert_eq!((proxy.host(), proxy.port()), (host, port), "{url}");
            assert_eq!(proxy.credentials(), credentials, "{url}");
        }
    }

    #[test]
    fn unusable_urls_are_refused_without_their_credentials() {
        for url in [
            "https://alice:s3cret@proxy.example:3128",
            "socks5://alice:s3cret@proxy.example:1080",
            "http://alice:s3cret@proxy.example:0",
            "http://alice:s3cret@proxy.example:99999",
            "http://alice:s3cret@proxy.example:+80",
            "http://alice:s3cret@proxy.example:3128/path",
            "http://alice:s3cret@:3128",
            "http://alice:s3cret@",
            "http://alice:%FF%FE@proxy.example:3128",
        ] {
            let err = Proxy::new(url).unwrap_err().to_string();
            assert!(
                !err.contains("s3cret") && !err.contains("alice"),
                "{url}: {err}"
            );
        }
    }

    #[test]
    fn the_authorization_is_basic_and_sensitive() {
        // RFC 7617's example.
        let proxy = Proxy::new("http://proxy.example:3128")
            .unwrap()
            .basic_auth("Aladdin", "open sesame");
        let value = proxy.authorization().unwrap();
        assert_eq!(value, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert!(value.is_sensitive());
        assert!(Proxy::new("http://proxy.example:3128")
            .unwrap()
            .authorization()
            .is_none());
        let debug = format!("{proxy:?}");
        assert!(
            !debug.contains("Aladdin") && !debug.contains("sesame"),
            "{debug}"
        );
        assert!(debug.contains("[REDACTED]"), "{debug}");
    }

    #[test]
    fn no_proxy_entries_match_as_curl_does() {
        let proxy = Proxy::new("http://proxy.example:3128")
            .unwrap()
            .no_proxy("localhost, .internal.example,*.corp.example example.org,10.0.0.0/8 192.168.1.7,[::1],fd00::/8");
        for (url, bypassed) in [
            ("https://localhost:8443/", true),
            ("https://LOCALHOST/", true),
            ("https://mylocalhost/", false),
            ("https://internal.example/", true),
            ("https://okta.internal.example/", true),
            ("https://okta.internal.example./", true),
            ("https://notinternal.example/", false),
            ("https://corp.example/", true),
            ("https://a.b.corp.example/", true),
            ("https://example.org/", true),
            ("https://www.example.org/", true),
            ("https://example.org.evil.example/", false),
            ("https://10.255.0.1/", true),
            ("https://11.0.0.1/", false),
            ("https://192.168.1.7/", true),
            ("https://192.168.1.8/", false),
            ("https://[::1]:8443/", true),
            ("https://[fd00::1]/", true),
            ("https://[fe80::1]/", false),
            ("https://dev-123456.okta.com/api/v1/users", false),
        ] {
            assert_eq!(!proxy.intercepts(&uri(url)), bypassed, "{url}");
        }
        let all = Proxy::new("proxy.example:1").unwrap().no_proxy("*");
        assert!(!all.intercepts(&uri("https://dev-123456.okta.com/")));
        let none = Proxy::new("proxy.example:1").unwrap().no_proxy(" , ,");
        assert!(none.intercepts(&uri("https://dev-123456.okta.com/")));
    }

    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        let env = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            Proxy::from_vars(move |name| {
                vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            })
        };
        assert!(env(&[]).unwrap().is_none());
        assert!(
            env(&[("HTTP_PROXY", "http://p:1"), ("http_proxy", "http://p:1")])
                .unwrap()
                .is_none()
        );
        for (vars, host) in [
            (&[("HTTPS_PROXY", "http://upper:1")][..], "upper"),
            (
                &[
                    ("HTTPS_PROXY", "http://upper:1"),
                    ("https_proxy", "http://lower:1"),
                ][..],
                "lower",
            ),
            (
                &[("https_proxy", ""), ("HTTPS_PROXY", "http://upper:1")][..],
                "upper",
            ),
            (&[("ALL_PROXY", "http://all:1")][..], "all"),
            (
                &[
                    ("all_proxy", "http://all:1"),
                    ("HTTPS_PROXY", "http://https:1"),
                ][..],
                "https",
            ),
        ] {
            assert_eq!(env(vars).unwrap().unwrap().host(), host, "{vars:?}");
        }
        let proxy = env(&[
            ("https_proxy", "http://p:1"),
            ("NO_PROXY", "upper.example"),
            ("no_proxy", "lower.example"),
        ])
        .unwrap()
        .unwrap();
        assert!(!proxy.intercepts(&uri("https://lower.example/")));
        assert!(proxy.intercepts(&uri("https://upper.example/")));

        let err = env(&[("HTTPS_PROXY", "socks5://u:s3cret@p:1")])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("HTTPS_PROXY: "), "{err}");
        assert!(!err.contains("s3cret"), "{err}");
    }
}
