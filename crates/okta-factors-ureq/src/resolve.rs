//! The client's name resolver: ureq's own, without its thread where no lookup
//! can happen.
//!
//! Every call gets a global timeout (the rest of
//! [`ClientConfig::request_timeout`](okta_factors_core::ClientConfig::request_timeout)),
//! and ureq resolves the host before every request, pooled connection or not.
//! With a timeout set, ureq's [`DefaultResolver`] runs the lookup on a newly
//! spawned thread so that it can give up on a `getaddrinfo` that hangs: one
//! thread (and a channel) per call, which cost several times the CPU of the
//! request itself on a kept-alive connection.
//!
//! For a host that is an IP literal (`127.0.0.1`, `[::1]`) there is nothing to
//! look up, so nothing to bound: the address is the literal and the port of the
//! URI (or of its scheme), kept if the agent's IP family allows it, as the
//! default resolver would return it; no thread, no `getaddrinfo`, not even its
//! `host:port` string. Anything else (host names, other schemes, a literal of
//! the wrong family) goes to the [`DefaultResolver`]: host names on its thread,
//! bounded by the call's timeouts as before; literals without the timeout (the
//! standard library's `ToSocketAddrs`, which it calls, parses `ip:port` before
//! it would call `getaddrinfo`, so it cannot block). No bound changes: the
//! connection is still bounded by
//! [`ClientConfig::connect_timeout`](okta_factors_core::ClientConfig::connect_timeout)
//! and the whole call by its deadline.
//!
//! Per-phase timeouts instead of the global one would avoid the thread too
//! (ureq bounds the lookup only by the global, per-call and resolve timeouts),
//! but ureq starts each phase's budget when the previous phase ends, so they
//! cannot bound the whole call by one deadline, and host names would be looked
//! up with no bound at all.
//!
//! A host name is looked up on that thread, bounded, and the answer is then
//! reused for [`CACHE_TTL`] (as curl does by default): a client calls one
//! org, so on the hot path no thread is spawned and no lookup is made. A failed
//! lookup is not kept; an expired answer is looked up again. Resolving lazily
//! instead, only when the pool has no connection, would need a connector that
//! rebuilds ureq's `ConnectionDetails`, whose fields change between ureq 3
//! minor versions.
//!
//! [`Resolver`] is in ureq's `unversioned` module (no semver promise); what is
//! used here is the same from ureq 3.2 to 3.5.

use std::iter;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration;
use ureq::unversioned::transport::NextTimeout;

/// How long a host name's addresses are reused (curl's default DNS cache
/// timeout).
pub(crate) const CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// [`DefaultResolver`], without a thread or a lookup for IP literals, and with
/// the last host name's answer reused for [`CACHE_TTL`].
#[derive(Debug, Default)]
pub(crate) struct LiteralFastResolver {
    default: DefaultResolver,
    last: Mutex<Option<Cached>>,
}

/// One host name's answer.
#[derive(Debug)]
struct Cached {
    /// Scheme and authority of the URI it answers.
    key: (String, String),
    addrs: ResolvedSocketAddrs,
    at: Instant,
}

impl LiteralFastResolver {
    /// The default resolver's answer for a host name, reused while fresh.
    fn host_name(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = (
            uri.scheme_str().unwrap_or_default(),
            uri.authority().map(|a| a.as_str()).unwrap_or_default(),
        );
        let now = Instant::now();
        if let Ok(last) = self.last.lock() {
            if let Some(cached) = last.as_ref().filter(|c| {
                c.key.0 == key.0 && c.key.1 == key.1 && now.duration_since(c.at) < CACHE_TTL
            }) {
                return Ok(cached.addrs.clone());
            }
        }
        let addrs = self.default.resolve(uri, config, timeout)?;
        if let Ok(mut last) = self.last.lock() {
            *last = Some(Cached {
                key: (key.0.to_owned(), key.1.to_owned()),
                addrs: addrs.clone(),
                at: now,
            });
        }
        Ok(addrs)
    }
}

impl Resolver for LiteralFastResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let Some(ip) = uri.host().and_then(ip_literal) else {
            return self.host_name(uri, config, timeout);
        };
        let port = uri.port_u16().or(match uri.scheme_str() {
            Some("http") => Some(80),
            Some("https") => Some(443),
            _ => None,
        });
        if let Some(port) = port {
            let wanted = config
                .ip_family()
                .keep_wanted(iter::once(SocketAddr::new(ip, port)))
                .next();
            if let Some(addr) = wanted {
                let mut addrs = self.empty();
                addrs.push(addr);
                return Ok(addrs);
            }
        }
        // Parsing only, never a lookup: nothing to bound, no thread.
        let timeout = NextTimeout {
            after: Duration::NotHappening,
            ..timeout
        };
        self.default.resolve(uri, config, timeout)
    }
}

/// The address of `host` (as in a URI: IPv6 in brackets) if it is an IP
/// literal that `ToSocketAddrs` parses without a lookup. Errs on the side of
/// `None`: a host that is not recognised here is resolved with the timeout.
fn ip_literal(host: &str) -> Option<IpAddr> {
    match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
        None => host.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::net::SocketAddr;

    use super::*;

    fn resolve(uri: &str, after: Duration) -> Result<ResolvedSocketAddrs, ureq::Error> {
        resolve_with(uri, after, &Config::default())
    }

    fn resolve_with(
        uri: &str,
        after: Duration,
        config: &Config,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let uri: Uri = uri.parse().unwrap();
        let timeout = NextTimeout {
            after,
            ..NextTimeout::default()
        };
        LiteralFastResolver::default().resolve(&uri, config, timeout)
    }

    #[test]
    fn ip_literals_are_recognised() {
        for host in [
            "127.0.0.1",
            "10.1.2.3",
            "[::1]",
            "[2001:db8::1]",
            "[::ffff:10.0.0.1]",
        ] {
            assert!(ip_literal(host).is_some(), "{host}");
        }
        for host in [
            "localhost",
            "dev-123456.okta.com",
            "127.1",
            "127.0.0.1.nip.io",
            "::1",
            "[::1",
            "[localhost]",
            "",
        ] {
            assert!(ip_literal(host).is_none(), "{host}");
        }
    }

    /// With no time left, ureq's threaded lookup would time out: a literal is
    /// resolved on the calling thread, with the port of the URI or the scheme.
    #[test]
    fn ip_literals_resolve_without_the_timeout() {
        let zero = Duration::Exact(std::time::Duration::ZERO);
        let addrs = resolve("http://127.0.0.1:8080/api", zero).unwrap();
        let expected: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(addrs.iter().copied().collect::<Vec<_>>(), vec![expected]);
        let addrs = resolve("https://[::1]/api", zero).unwrap();
        let expected: SocketAddr = "[::1]:443".parse().unwrap();
        assert_eq!(addrs.iter().copied().collect::<Vec<_>>(), vec![expected]);
        let addrs = resolve("http://10.1.2.3", zero).unwrap();
        let expected: SocketAddr = "10.1.2.3:80".parse().unwrap();
        assert_eq!(addrs.iter().copied().collect::<Vec<_>>(), vec![expected]);
    }

    /// As the default resolver: a literal of a family the agent does not use
    /// is not found, a scheme without a default port is a bad URI.
    #[test]
    fn literals_follow_the_ip_family_and_scheme_rules() {
        let v6_only = Config::builder()
            .ip_family(ureq::config::IpFamily::Ipv6Only)
            .build();
        let zero = Duration::Exact(std::time::Duration::ZERO);
        assert!(matches!(
            resolve_with("http://127.0.0.1:8080", zero, &v6_only),
            Err(ureq::Error::HostNotFound)
        ));
        assert!(resolve_with("http://[::1]:8080", zero, &v6_only).is_ok());
        assert!(matches!(
            resolve("ftp://127.0.0.1/", zero),
            Err(ureq::Error::BadUri(_))
        ));
    }

    #[test]
    fn a_host_name_is_looked_up_once_while_fresh() {
        let resolver = LiteralFastResolver::default();
        let uri: Uri = "http://localhost:8080/a".parse().unwrap();
        let config = Config::default();
        let first = resolver
            .resolve(&uri, &config, NextTimeout::default())
            .unwrap();
        // Within the time to live the answer is reused: not even a lookup
        // that has no time left runs (it would fail).
        let zero = NextTimeout {
            after: Duration::Exact(std::time::Duration::ZERO),
            ..NextTimeout::default()
        };
        let again = resolver.resolve(&uri, &config, zero).unwrap();
        assert_eq!(&again[..], &first[..]);
        // Another port is another answer.
        let other: Uri = "http://localhost:9090/a".parse().unwrap();
        let other = resolver
            .resolve(&other, &config, NextTimeout::default())
            .unwrap();
        assert!(other.iter().all(|a| a.port() == 9090));
        // An expired answer is looked up again.
        if let Some(cached) = resolver.last.lock().unwrap().as_mut() {
            if let Some(expired) = cached.at.checked_sub(CACHE_TTL) {
                cached.at = expired;
            }
        }
        let fresh = resolver
            .resolve(&other_uri(), &config, NextTimeout::default())
            .unwrap();
        assert!(fresh.iter().all(|a| a.port() == 9090));
        assert!(resolver.last.lock().unwrap().as_ref().unwrap().at.elapsed() < CACHE_TTL);
    }

    fn other_uri() -> Uri {
        "http://localhost:9090/b".parse().unwrap()
    }

    #[test]
    fn host_names_are_resolved_by_the_default_resolver() {
        let addrs = resolve("http://localhost:8080/", Duration::NotHappening).unwrap();
        assert!(addrs
            .iter()
            .all(|a| a.ip().is_loopback() && a.port() == 8080));
        assert!(!addrs.is_empty());
    }
}
