//! HTTPS for the scripted server: a test CA ([`TestCa`]) and
//! [`TestServer::start_tls`], the same scripted behaviour over TLS (rustls
//! with the ring provider, TLS 1.2 and 1.3).
//!
//! The server's certificate is a leaf for `127.0.0.1` and `localhost` signed
//! by a CA made at test time, so a client is set up the way it would be for a
//! corporate CA: it trusts the CA, given as DER or PEM text.
//!
//! ```
//! use okta_factors_testserver::{Reply, TestServer};
//! let server = TestServer::start_tls(|_req| Reply::json(200, "[]"));
//! assert!(server.url().starts_with("https://127.0.0.1:"));
//! assert!(server.ca().pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
//! assert!(!server.ca().der().is_empty());
//! ```

use std::fmt;
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use data_encoding::BASE64;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use crate::{Connection, RecordedRequest, Reply, TestServer};

/// The names of [`TestServer::start_tls`]'s certificate.
const LOOPBACK_NAMES: [&str; 2] = ["127.0.0.1", "localhost"];

/// A server's TLS configuration: its leaf and key.
pub(crate) type Config = Arc<ServerConfig>;

/// A certificate authority made at test time (an ECDSA P-256 key, a
/// self-signed CA certificate) that issues the HTTPS servers' certificates.
/// Cheap to clone (clones are the same CA). `Debug` shows no key.
#[derive(Clone)]
pub struct TestCa(Arc<CaInner>);

struct CaInner {
    certificate: CertificateDer<'static>,
    issuer: Issuer<'static, KeyPair>,
}

impl TestCa {
    /// A new CA (`CN=okta-factors test CA <process>-<n>`), unlike any other:
    /// its own key and its own name, so a client trusting another test CA
    /// finds no issuer for this one's certificates (`UnknownIssuer`), rather
    /// than an issuer of the same name whose signature does not verify.
    pub fn new() -> Self {
        static CREATED: AtomicU64 = AtomicU64::new(0);
        let n = CREATED.fetch_add(1, Ordering::Relaxed);
        let mut params = CertificateParams::default();
        params.distinguished_name.push(
            DnType::CommonName,
            format!("okta-factors test CA {}-{n}", std::process::id()),
        );
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let key = KeyPair::generate().expect("generate the CA's key");
        let certificate = params
            .self_signed(&key)
            .expect("self-sign the CA certificate");
        Self(Arc::new(CaInner {
            certificate: certificate.der().clone(),
            issuer: Issuer::new(params, key),
        }))
    }

    /// The CA certificate in DER, for `RootCertificates::from_der`.
    pub fn der(&self) -> &[u8] {
        self.0.certificate.as_ref()
    }

    /// The CA certificate as PEM text (one `CERTIFICATE` block, lines of 64
    /// characters, a final newline), for `RootCertificates::from_pem`.
    pub fn pem(&self) -> String {
        let base64 = BASE64.encode(self.der());
        let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
        for line in base64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
            pem.push('\n');
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// A new server certificate for `names` (IP addresses or DNS names),
    /// signed by this CA: the leaf in DER and its PKCS#8 private key in DER.
    pub fn issue(&self, names: &[&str]) -> (Vec<u8>, Vec<u8>) {
        let names: Vec<String> = names.iter().map(|&name| name.to_owned()).collect();
        let mut params = CertificateParams::new(names.clone()).expect("valid server names");
        if let Some(first) = names.first() {
            params
                .distinguished_name
                .push(DnType::CommonName, first.as_str());
        }
        params.use_authority_key_identifier_extension = true;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().expect("generate the server's key");
        let leaf = params
            .signed_by(&key, &self.0.issuer)
            .expect("sign the server certificate");
        (leaf.der().to_vec(), key.serialize_der())
    }

    /// A rustls server configuration presenting a new leaf for `names`.
    fn server_config(&self, names: &[&str]) -> Config {
        let (leaf, key) = self.issue(names);
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key));
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .expect("the ring provider supports TLS 1.2 and 1.3")
                .with_no_client_auth()
                .with_single_cert(vec![CertificateDer::from(leaf)], key)
                .expect("a leaf and its key");
        Arc::new(config)
    }
}

impl Default for TestCa {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TestCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCa")
            .field("certificate_len", &self.der().len())
            .finish_non_exhaustive()
    }
}

impl TestServer {
    /// Starts an HTTPS server on `127.0.0.1` (a free port) answering with
    /// `handler` exactly as [`TestServer::start`] does, over TLS. Its
    /// certificate, for `127.0.0.1` and `localhost`, is signed by a new
    /// [`TestCa`] ([`TestServer::ca`]); no client trusts it unless given
    /// that CA.
    pub fn start_tls(handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static) -> Self {
        Self::start_tls_with(&TestCa::new(), &LOOPBACK_NAMES, handler)
    }

    /// Like [`TestServer::start_tls`], with a certificate for `names` (IP
    /// addresses or DNS names) signed by `ca`: several servers of one CA, or
    /// a certificate that does not name the address the client connects to.
    pub fn start_tls_with(
        ca: &TestCa,
        names: &[&str],
        handler: impl Fn(&RecordedRequest) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let config = ca.server_config(names);
        Self::start_with(Arc::new(handler), Some((ca.clone(), config)))
    }
}

/// A server-side TLS connection.
type TlsStream = StreamOwned<ServerConnection, TcpStream>;

/// The server's side of the handshake on `tcp` (read timeout already set);
/// `None` if it failed.
pub(crate) fn accept(mut tcp: TcpStream, config: Config) -> Option<TlsStream> {
    let mut conn = ServerConnection::new(config).ok()?;
    while conn.is_handshaking() {
        conn.complete_io(&mut tcp).ok()?;
    }
    Some(StreamOwned::new(conn, tcp))
}

impl Connection for TlsStream {
    fn cut(&mut self) {
        let _ = self.sock.shutdown(Shutdown::Both);
    }

    fn finish(&mut self) {
        // Only written: waiting for the client's own close_notify could
        // block for the whole read timeout.
        self.conn.send_close_notify();
        while self.conn.wants_write() {
            if self.conn.write_tls(&mut self.sock).is_err() {
                return;
            }
        }
    }
}
