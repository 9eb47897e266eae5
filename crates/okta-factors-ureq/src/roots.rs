//! Root certificates chosen by the application (feature `rustls`).

use std::fmt;
use std::sync::Arc;

use ureq::tls::{Certificate, PemItem, RootCerts};

/// The root certificates a [`Client`](crate::Client) built with
/// [`Client::with_root_certificates`](crate::Client::with_root_certificates)
/// trusts for `https` orgs, **instead of** the Mozilla roots bundled by
/// webpki-roots.
///
/// For an org reached through a TLS-inspecting proxy with its own CA, or a test
/// server with a self-signed certificate. Certificate verification stays on: a
/// server is accepted only if its certificate chains to one of these roots and
/// is valid for the org's host name. There is no way to turn verification off.
///
/// Every certificate is checked when the set is made (a malformed one is an
/// error, not silently skipped), and a set is never empty.
///
/// ```no_run
/// use okta_factors_core::{ClientConfig, Credentials, OrgUrl};
/// use okta_factors_ureq::{Client, RootCertificates};
///
/// let roots = RootCertificates::from_pem(&std::fs::read("/etc/corp/root-ca.pem")?)?;
/// let config = ClientConfig::new(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// );
/// let client = Client::with_root_certificates(config, roots);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct RootCertificates {
    certs: Arc<Vec<Certificate<'static>>>,
}

impl RootCertificates {
    /// The certificates in DER form (e.g. the bytes of a `.der`/`.cer` file, or
    /// `rustls::pki_types::CertificateDer`s). Fails if there is none, or if one
    /// is not an X.509 certificate usable as a trust anchor.
    pub fn from_der<I>(certs: I) -> Result<Self, RootCertificateError>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut checked = Vec::new();
        for der in certs {
            checked.push(checked_certificate(
                Certificate::from_der(der.as_ref()).to_owned(),
                checked.len(),
            )?);
        }
        Self::new(checked)
    }

    /// Every `CERTIFICATE` block of PEM text (a CA bundle); other blocks, such
    /// as private keys, are ignored. Fails if the PEM cannot be read, if it has
    /// no certificate, or if one is not an X.509 certificate usable as a trust
    /// anchor.
    pub fn from_pem(pem: &[u8]) -> Result<Self, RootCertificateError> {
        let mut checked = Vec::new();
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(PemItem::Certificate(cert)) => {
                    checked.push(checked_certificate(cert, checked.len())?);
                }
                Ok(_) => {}
                Err(source) => {
                    return Err(RootCertificateError {
                        reason: Reason::Pem(source),
                    })
                }
            }
        }
        Self::new(checked)
    }

    fn new(certs: Vec<Certificate<'static>>) -> Result<Self, RootCertificateError> {
        if certs.is_empty() {
            return Err(RootCertificateError {
                reason: Reason::Empty,
            });
        }
        Ok(Self {
            certs: Arc::new(certs),
        })
    }

    /// ureq's setting: exactly these roots.
    pub(crate) fn to_ureq(&self) -> RootCerts {
        RootCerts::Specific(Arc::clone(&self.certs))
    }
}

impl fmt::Debug for RootCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootCertificates")
            .field("count", &self.certs.len())
            .finish()
    }
}

/// `cert` if rustls accepts it as a trust anchor. ureq hands its roots to
/// rustls with `add_parsable_certificates`, which skips the ones it cannot
/// parse: checking here turns a bad root into an error instead of a root that
/// is silently missing.
fn checked_certificate(
    cert: Certificate<'static>,
    index: usize,
) -> Result<Certificate<'static>, RootCertificateError> {
    let mut store = rustls::RootCertStore::empty();
    match store.add(rustls::pki_types::CertificateDer::from(cert.der())) {
        Ok(()) => Ok(cert),
        Err(source) => Err(RootCertificateError {
            reason: Reason::Invalid { index, source },
        }),
    }
}

/// Why [`RootCertificates`] could not be made.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct RootCertificateError {
    reason: Reason,
}

#[derive(Debug, thiserror::Error)]
enum Reason {
    #[error("no root certificate was given")]
    Empty,
    #[error("the root certificates' PEM could not be read: {0}")]
    Pem(#[source] ureq::Error),
    #[error("root certificate {index} is not usable as a trust anchor: {source}")]
    Invalid {
        index: usize,
        #[source]
        source: rustls::Error,
    },
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::error::Error as _;

    use super::*;

    /// A self-signed certificate (rcgen, ECDSA P-256), PEM.
    const PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBbDCCARGgAwIBAgIUeFBkevaw+PMaoWNrIgVBY6H19oowCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWcmNnZW4gc2VsZiBzaWduZWQgY2VydDAgFw03NTAxMDEwMDAw
MDBaGA80MDk2MDEwMTAwMDAwMFowITEfMB0GA1UEAwwWcmNnZW4gc2VsZiBzaWdu
ZWQgY2VydDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABIFvzPd7cT6dcA43kcXQ
Ot7gk+YxdtHAAeQmQjX/0jZuq2x0GbtSilFgt77funS8ypF/wSNzGZqAKN3my/YO
IRKjJTAjMCEGA1UdEQQaMBiCFm9rdGEtZmFjdG9ycy11cmVxLnRlc3QwCgYIKoZI
zj0EAwIDSQAwRgIhAJFAmX8Lg2G8c+EXc5IbMKsssBwEtSFIVJSkSWn1QMDWAiEA
lRI4jyTNnmV/N4IjVKKScjffrP/30o9L3cxrpnPst2E=
-----END CERTIFICATE-----
";

    /// Not a key, but a block that parses as one (ignored).
    const KEY: &str = "-----BEGIN PRIVATE KEY-----\naGVsbG8=\n-----END PRIVATE KEY-----\n";

    fn der() -> Vec<u8> {
        Certificate::from_pem(PEM.as_bytes())
            .unwrap()
            .der()
            .to_vec()
    }

    #[test]
    fn certificates_are_read_from_der_and_pem() {
        assert_eq!(RootCertificates::from_der([der()]).unwrap().certs.len(), 1);
        assert_eq!(
            RootCertificates::from_der([der(), der()])
                .unwrap()
                .certs
                .len(),
            2
        );
        let bundle = format!("{KEY}{PEM}{PEM}");
        let roots = RootCertificates::from_pem(bundle.as_bytes()).unwrap();
        assert_eq!(roots.certs.len(), 2, "the key is ignored");
        assert_eq!(roots.certs[0].der(), der());
        assert_eq!(format!("{roots:?}"), "RootCertificates { count: 2 }");
        assert!(matches!(roots.to_ureq(), RootCerts::Specific(c) if c.len() == 2));
    }

    #[test]
    fn debug_of_a_client_names_its_roots() {
        use okta_factors_core::{ClientConfig, Credentials, OrgUrl};
        let config = ClientConfig::new(
            OrgUrl::parse("https://dev-123456.okta.com").unwrap(),
            Credentials::api_token("00S3CR3T-token").unwrap(),
        );
        let roots = RootCertificates::from_pem(PEM.as_bytes()).unwrap();
        let custom = format!(
            "{:?}",
            crate::Client::with_root_certificates(config.clone(), roots)
        );
        assert!(
            custom.contains("roots: RootCertificates { count: 1 }"),
            "{custom}"
        );
        let default = format!("{:?}", crate::Client::from_config(config));
        assert!(default.contains("roots: webpki"), "{default}");
        assert!(!custom.contains("S3CR3T") && !default.contains("S3CR3T"));
    }

    #[test]
    fn empty_and_malformed_sets_are_refused() {
        let no_der: [&[u8]; 0] = [];
        let err = RootCertificates::from_der(no_der).unwrap_err();
        assert_eq!(err.to_string(), "no root certificate was given");
        for pem in ["", "not a pem", KEY] {
            let err = RootCertificates::from_pem(pem.as_bytes()).unwrap_err();
            assert!(
                matches!(err.reason, Reason::Empty | Reason::Pem(_)),
                "{pem}"
            );
        }

        let mut truncated = der();
        truncated.truncate(truncated.len() / 2);
        let err = RootCertificates::from_der([der(), truncated]).unwrap_err();
        assert!(
            matches!(err.reason, Reason::Invalid { index: 1, .. }),
            "{err:?}"
        );
        assert!(err.source().is_some());
        assert!(err.to_string().starts_with("root certificate 1 "), "{err}");

        let garbage = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        let err = RootCertificates::from_pem(garbage.as_bytes()).unwrap_err();
        assert!(
            matches!(err.reason, Reason::Invalid { index: 0, .. }),
            "{err:?}"
        );
    }
}
