//! [`RootCertificates`]: the roots a client trusts instead of the bundled ones.

use std::fmt;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::CertificateDer;

/// The root certificates a client trusts for `https` orgs, **instead of** the
/// Mozilla roots bundled by webpki-roots: for an org reached through a
/// TLS-inspecting proxy with its own CA, or a test server with a self-signed
/// certificate. The same option in both clients (`ClientBuilder::root_certificates`).
///
/// Certificate verification stays on: a server is accepted only if its
/// certificate chains to one of these roots and is valid for the org's host
/// name. There is no way to turn verification off. Every certificate is
/// checked when the set is made (a malformed one is an error, not silently
/// skipped), and a set is never empty.
///
/// ```no_run
/// use okta_factors::{Credentials, OrgUrl, RootCertificates};
///
/// let roots = RootCertificates::from_pem(&std::fs::read("/etc/corp/root-ca.pem")?)?;
/// let client = okta_factors::ureq::Client::builder(
///     OrgUrl::parse("https://dev-123456.okta.com")?,
///     Credentials::api_token("00aBcD-example-token")?,
/// )
/// .root_certificates(roots)
/// .build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RootCertificates {
    certs: Arc<Vec<Vec<u8>>>,
}

impl RootCertificates {
    /// The certificates in DER form (e.g. the bytes of a `.der`/`.cer` file).
    /// Fails if there is none, or if one is not an X.509 certificate usable
    /// as a trust anchor.
    pub fn from_der<I>(certs: I) -> Result<Self, RootCertificateError>
    where
        I: IntoIterator,
        I::Item: AsRef<[u8]>,
    {
        let mut certs_checked = Vec::new();
        for der in certs {
            certs_checked.push(checked(der.as_ref().to_vec(), certs_checked.len())?);
        }
        Self::new(certs_checked)
    }

    /// Every `CERTIFICATE` block of PEM text (a CA bundle); other blocks, such
    /// as private keys, are ignored. Fails if the PEM cannot be read, if it has
    /// no certificate, or if one is not an X.509 certificate usable as a trust
    /// anchor.
    pub fn from_pem(pem: &[u8]) -> Result<Self, RootCertificateError> {
        let mut certs = Vec::new();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| RootCertificateError {
                reason: Reason::Pem(e.to_string()),
            })?;
            certs.push(checked(cert.to_vec(), certs.len())?);
        }
        Self::new(certs)
    }

    fn new(certs: Vec<Vec<u8>>) -> Result<Self, RootCertificateError> {
        if certs.is_empty() {
            return Err(RootCertificateError {
                reason: Reason::Empty,
            });
        }
        Ok(Self {
            certs: Arc::new(certs),
        })
    }

    /// The certificates, DER-encoded, in the order given: what a transport
    /// hands its TLS library.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[u8]> {
        self.certs.iter().map(Vec::as_slice)
    }
}

impl fmt::Debug for RootCertificates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RootCertificates")
            .field("count", &self.certs.len())
            .finish()
    }
}

/// `der` if it is usable as a trust anchor (as rustls will read it).
fn checked(der: Vec<u8>, index: usize) -> Result<Vec<u8>, RootCertificateError> {
    match webpki::anchor_from_trusted_cert(&CertificateDer::from(der.as_slice())) {
        Ok(_) => Ok(der),
        Err(error) => Err(RootCertificateError {
            reason: Reason::Invalid {
                index,
                reason: format!("{error:?}"),
            },
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
    Pem(String),
    #[error("root certificate {index} is not usable as a trust anchor: {reason}")]
    Invalid { index: usize, reason: String },
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

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
        CertificateDer::from_pem_slice(PEM.as_bytes())
            .unwrap()
            .to_vec()
    }

    #[test]
    fn certificates_are_read_from_der_and_pem() {
        assert_eq!(RootCertificates::from_der([der()]).unwrap().iter().len(), 1);
        assert_eq!(
            RootCertificates::from_der([der(), der()])
                .unwrap()
                .iter()
                .len(),
            2
        );
        let bundle = format!("{KEY}{PEM}{PEM}");
        let roots = RootCertificates::from_pem(bundle.as_bytes()).unwrap();
        assert_eq!(roots.iter().len(), 2, "the key is ignored");
        assert_eq!(roots.iter().next().unwrap(), der());
        assert_eq!(format!("{roots:?}"), "RootCertificates { count: 2 }");
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
        assert!(err.to_string().starts_with("root certificate 1 "), "{err}");

        let garbage = "-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n";
        let err = RootCertificates::from_pem(garbage.as_bytes()).unwrap_err();
        assert!(
            matches!(err.reason, Reason::Invalid { index: 0, .. }),
            "{err:?}"
        );
    }
}
