//! `_embedded`: activation data, challenges and catalog phones.

use serde_json::Value;

use super::{FactorResult, FactorStatus, Link, Links, Secret, SmsProfile};

wire_object! {
    /// The `_embedded` object of a factor, a verify result or a catalog entry.
    pub struct Embedded {
        /// Activation data of a factor waiting for activation.
        "activation" => activation: Box<Activation>,
        /// Challenge of a verify result (number matching, U2F nonce, WebAuthn challenge).
        "challenge" => challenge: Box<Challenge>,
        /// The user's phones, on the `sms` catalog entry.
        "phones" => phones: Vec<CatalogPhone>,
        /// Links embedded next to `activation` (Okta Verify TOTP puts `qrcode` here).
        "_links" => links: Links,
    }
}

wire_object! {
    /// Activation data. Which members are present depends on the factor type:
    /// TOTP (`sharedSecret`, `timeStep`, `keyLength`, `encoding`), push
    /// (`expiresAt`, `factorResult`, `_links.send`/`qrcode`), U2F (`version`,
    /// `nonce`, `timeoutSeconds`) and WebAuthn (creation options).
    pub struct Activation {
        /// TOTP time step in seconds.
        "timeStep" => time_step: u64,
        /// TOTP shared secret (redacted in `Debug`).
        "sharedSecret" => shared_secret: Secret,
        /// Encoding of the shared secret, e.g. `base32`.
        "encoding" => encoding: String,
        /// Number of digits of a code.
        "keyLength" => key_length: u32,
        /// When a push activation expires.
        "expiresAt" => expires_at: String,
        /// Push activation state, e.g. `WAITING`.
        "factorResult" => factor_result: FactorResult,
        /// U2F version.
        "version" => version: String,
        /// U2F nonce.
        "nonce" => nonce: String,
        /// U2F timeout.
        "timeoutSeconds" => timeout_seconds: u64,
        /// WebAuthn challenge.
        "challenge" => challenge: String,
        /// WebAuthn attestation preference.
        "attestation" => attestation: String,
        /// WebAuthn authenticator selection.
        "authenticatorSelection" => authenticator_selection: Value,
        /// WebAuthn credentials to exclude.
        "excludeCredentials" => exclude_credentials: Vec<Value>,
        /// WebAuthn public key parameters.
        "pubKeyCredParams" => pub_key_cred_params: Vec<Value>,
        /// WebAuthn relying party.
        "rp" => rp: Value,
        /// WebAuthn user.
        "user" => user: Value,
        /// Activation links (`send`, `qrcode`).
        "_links" => links: Links,
    }
}

wire_object! {
    /// `_embedded.challenge` of a verify result.
    pub struct Challenge {
        /// The number the user must pick in Okta Verify (number matching).
        "correctAnswer" => correct_answer: u32,
        /// U2F nonce.
        "nonce" => nonce: String,
        /// U2F timeout.
        "timeoutSeconds" => timeout_seconds: u64,
        /// WebAuthn challenge.
        "challenge" => challenge: String,
        /// WebAuthn extensions.
        "extensions" => extensions: Value,
    }
}

wire_object! {
    /// A phone of the user, embedded in the `sms` catalog entry.
    pub struct CatalogPhone {
        /// Phone ID.
        "id" => id: String,
        /// Phone profile.
        "profile" => profile: SmsProfile,
        /// Phone status.
        "status" => status: FactorStatus,
    }
}

/// The TOTP activation data of a `token:software:totp` enrollment: what an
/// authenticator app (or automation) needs to generate codes.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct TotpActivation<'a> {
    /// The shared secret (base32 unless `encoding` says otherwise).
    pub shared_secret: &'a Secret,
    /// Time step in seconds (30 when Okta omits it).
    pub time_step: u64,
    /// Digits per code (6 when Okta omits it).
    pub key_length: u32,
    /// Encoding of the secret (`base32` when Okta omits it).
    pub encoding: &'a str,
    /// QR code link, from `activation._links.qrcode` or `_embedded._links.qrcode`.
    pub qr_code: Option<&'a Link>,
}

impl Embedded {
    /// TOTP activation data, when the activation carries a shared secret.
    pub fn totp_activation(&self) -> Option<TotpActivation<'_>> {
        let activation = self.activation.as_ref()?;
        Some(TotpActivation {
            shared_secret: activation.shared_secret.as_ref()?,
            time_step: activation.time_step.unwrap_or(30),
            key_length: activation.key_length.unwrap_or(6),
            encoding: activation.encoding.as_deref().unwrap_or("base32"),
            qr_code: self.qr_code(),
        })
    }

    /// The QR code link, wherever Okta put it (`activation._links` or `_links`).
    pub fn qr_code(&self) -> Option<&Link> {
        self.activation
            .as_ref()
            .and_then(|a| a.links.as_ref())
            .and_then(Links::qrcode)
            .or_else(|| self.links.as_ref().and_then(Links::qrcode))
    }

    /// The number-matching answer, when a challenge carries one.
    pub fn correct_answer(&self) -> Option<u32> {
        self.challenge.as_ref()?.correct_answer
    }
}
