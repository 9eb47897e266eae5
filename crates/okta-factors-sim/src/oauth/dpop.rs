//! DPoP proof checks (RFC 9449 §4.3), shared by the token endpoint and the
//! API. Error descriptions follow the ones Okta sends
//! (`'htu' claim in the DPoP proof JWT is invalid.`, …).

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use http::Uri;

use super::jose::{access_token_hash, Jws, PublicJwk};
use crate::api::decode_component;
use crate::state::add;
use crate::timefmt::unix_secs;

/// What a proof must match.
pub(crate) struct Expected<'a> {
    /// The request method (`htm`).
    pub(crate) method: &'a str,
    /// The request URL without query (`htu`).
    pub(crate) url: &'a str,
    /// The access token the request presents (`ath`), at the API.
    pub(crate) access_token: Option<&'a str>,
    /// The nonce the proof must carry, if the server requires one.
    pub(crate) nonce: Option<&'a str>,
    /// Thumbprints of keys that must not sign proofs (the app's
    /// client-authentication keys).
    pub(crate) forbidden_keys: &'a [String],
    pub(crate) now: SystemTime,
    /// How far `iat` may be from `now`.
    pub(crate) skew: Duration,
}

/// Why a proof was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProofError {
    /// `invalid_dpop_proof` with this description.
    Invalid(&'static str),
    /// The proof lacks the current nonce: `use_dpop_nonce`.
    UseNonce,
}

/// A proof that passed: the thumbprint of its key.
pub(crate) struct Proof {
    pub(crate) jkt: String,
}

/// Checks `proof` against `expected` and remembers its `jti` (in `seen`,
/// until the `iat` window closes).
pub(crate) fn verify(
    proof: &str,
    expected: &Expected<'_>,
    seen: &mut HashMap<String, SystemTime>,
) -> Result<Proof, ProofError> {
    use ProofError::{Invalid, UseNonce};
    let jws = Jws::parse(proof).ok_or(Invalid("DPoP proof JWT cannot be parsed."))?;
    let typ_ok = jws
        .header_str("typ")
        .is_some_and(|t| t.eq_ignore_ascii_case("dpop+jwt"));
    if !typ_ok {
        return Err(Invalid("'typ' header in the DPoP proof JWT is invalid."));
    }
    if jws.alg.is_none() {
        return Err(Invalid(
            "'alg' header in the DPoP proof JWT is invalid: RS256 and ES256 are supported.",
        ));
    }
    let jwk = jws
        .header
        .get("jwk")
        .ok_or(Invalid("'jwk' header in the DPoP proof JWT is missing."))?;
    let key = PublicJwk::parse(jwk).map_err(|e| {
        Invalid(match e {
            super::JwkError::PrivateKey(_) => {
                "'jwk' header in the DPoP proof JWT must not contain a private key."
            }
            _ => "'jwk' header in the DPoP proof JWT is invalid.",
        })
    })?;
    if expected.forbidden_keys.contains(&key.thumbprint) {
        return Err(Invalid(
            "The DPoP proof JWT is signed with a key registered for client authentication: \
             DPoP needs a key of its own.",
        ));
    }
    if !key.verifies(&jws) {
        return Err(Invalid("The DPoP proof JWT signature is invalid."));
    }
    if jws.claim_str("htm") != Some(expected.method) {
        return Err(Invalid("'htm' claim in the DPoP proof JWT is invalid."));
    }
    if !jws
        .claim_str("htu")
        .is_some_and(|htu| same_url(htu, expected.url))
    {
        return Err(Invalid("'htu' claim in the DPoP proof JWT is invalid."));
    }
    let now = i64::try_from(unix_secs(expected.now)).unwrap_or(i64::MAX);
    let skew = expected.skew.as_secs();
    let iat = match jws.claim_time("iat") {
        Some(Ok(iat)) => iat,
        _ => {
            return Err(Invalid(
                "'iat' claim in the DPoP proof JWT is missing or invalid.",
            ))
        }
    };
    if iat.abs_diff(now) > skew {
        return Err(Invalid(
            "'iat' claim in the DPoP proof JWT is too far from the server's time: check the client's clock.",
        ));
    }
    let jti = match jws.claim_str("jti") {
        Some(jti) if !jti.is_empty() => jti.to_owned(),
        _ => return Err(Invalid("'jti' claim in the DPoP proof JWT is missing.")),
    };
    if let Some(token) = expected.access_token {
        if jws.claim_str("ath") != Some(access_token_hash(token).as_str()) {
            return Err(Invalid("'ath' claim in the DPoP proof JWT is invalid."));
        }
    }
    if let Some(nonce) = expected.nonce {
        if jws.claim_str("nonce") != Some(nonce) {
            return Err(UseNonce);
        }
    }
    let until = add(expected.now, expected.skew.saturating_mul(2));
    // Replays are per key: two clients may well pick the same jti.
    let jkt = key.thumbprint;
    let seen_key = format!("{jkt} {jti}");
    if seen.get(&seen_key).is_some_and(|t| *t > expected.now) {
        return Err(Invalid("The DPoP proof JWT has already been used."));
    }
    seen.insert(seen_key, until);
    Ok(Proof { jkt })
}

/// Whether `claimed` (an `htu`) names `expected`, ignoring query and
/// fragment, with scheme and host compared case-insensitively, default
/// ports dropped and percent-escapes in the path decoded (RFC 3986 §6.2.2
/// and §6.2.3; Okta also compares decoded paths).
pub(crate) fn same_url(claimed: &str, expected: &str) -> bool {
    let strip = |url: &str| -> String {
        let url = url.split('#').next().unwrap_or_default();
        url.split('?').next().unwrap_or_default().to_owned()
    };
    let (Ok(a), Ok(b)) = (
        strip(claimed).parse::<Uri>(),
        strip(expected).parse::<Uri>(),
    ) else {
        return false;
    };
    let parts = |uri: &Uri| {
        let scheme = uri.scheme_str().map(str::to_ascii_lowercase);
        let host = uri.host().map(str::to_ascii_lowercase);
        let port = uri.port_u16().or(match scheme.as_deref() {
            Some("https") => Some(443),
            Some("http") => Some(80),
            _ => None,
        });
        let path = match uri.path() {
            "" => "/".to_owned(),
            path => decode_component(path, false),
        };
        (scheme, host, port, path)
    };
    let (pa, pb) = (parts(&a), parts(&b));
    pa.0.is_some() && pa.1.is_some() && pa == pb
}

#[cfg(test)]
mod tests {
    use super::same_url;

    #[test]
    fn htu_comparison() {
        let expected = "https://dev-1.okta.com/api/v1/users/a@b.example/factors";
        for same in [
            "https://dev-1.okta.com/api/v1/users/a@b.example/factors",
            "HTTPS://DEV-1.okta.com:443/api/v1/users/a%40b.example/factors",
            "https://dev-1.okta.com/api/v1/users/a@b.example/factors?x=1#f",
        ] {
            assert!(same_url(same, expected), "{same}");
        }
        for other in [
            "http://dev-1.okta.com/api/v1/users/a@b.example/factors",
            "https://dev-2.okta.com/api/v1/users/a@b.example/factors",
            "https://dev-1.okta.com:8443/api/v1/users/a@b.example/factors",
            "https://dev-1.okta.com/api/v1/users/a@b.example/factors/",
            "/api/v1/users/a@b.example/factors",
            "not a url",
        ] {
            assert!(!same_url(other, expected), "{other}");
        }
    }
}
