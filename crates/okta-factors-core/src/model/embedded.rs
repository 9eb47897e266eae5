//! `_embedded`: activation data, challenges and catalog phones.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;

use super::{FactorResult, FactorStatus, Link, Links, Secret, SmsProfile};
use crate::InputError;

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
        /// Okta's `keyLength`, as sent. Neither spec version defines it and its
        /// meaning varies: Okta Verify's examples send `6` (the digits of a
        /// code), Google Authenticator's send `16` (the length of the base32
        /// secret). For the digits of a code, use [`TotpActivation::digits`].
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
///
/// Show it to a person with [`TotpActivation::otpauth_uri`] (a QR code or a
/// copyable link for any authenticator app), or generate codes with
/// `okta_factors::totp::Totp::from_activation` (feature `totp`).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct TotpActivation<'a> {
    /// The shared secret (base32 unless `encoding` says otherwise).
    pub shared_secret: &'a Secret,
    /// Time step in seconds (30 when Okta omits it).
    pub time_step: u64,
    /// Okta's `keyLength` as sent (`None` when absent). It is not always the
    /// number of digits: Google Authenticator enrollments send `16`, the length
    /// of the secret. [`TotpActivation::digits`] says how many digits a code has.
    pub key_length: Option<u32>,
    /// Encoding of the secret (`base32` when Okta omits it).
    pub encoding: &'a str,
    /// QR code link, from `activation._links.qrcode` or `_embedded._links.qrcode`.
    pub qr_code: Option<&'a Link>,
}

/// Characters left as they are in the label of an `otpauth://` URI: RFC 3986's
/// unreserved characters, and `@` (a path character, common in account names).
const OTPAUTH_LABEL: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'@');

/// Characters left as they are in a query parameter of an `otpauth://` URI:
/// RFC 3986's unreserved characters only.
const OTPAUTH_PARAMETER: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn otpauth_error(reason: impl Into<String>) -> InputError {
    InputError::Parameter {
        name: "otpauth URI",
        reason: reason.into(),
    }
}

impl TotpActivation<'_> {
    /// The number of digits of a code: 6, the digits of Okta Verify and Google
    /// Authenticator codes, unless Okta's `keyLength` is 6 to 9.
    ///
    /// Why: `keyLength` is undocumented and carries the digits (Okta Verify
    /// sends `6`) or the length of the secret (Google Authenticator sends `16`).
    /// A value in 6..=9 can only be a digit count: RFC 4226 codes have at
    /// least 6 digits and its 31-bit value holds at most 9, while a base32
    /// secret that short would hold at most 45 bits, far below RFC 4226's
    /// 128-bit minimum and anything Okta issues. Anything else is a secret
    /// length, and codes have Okta's usual 6 digits.
    ///
    /// ```
    /// # use okta_factors::model::UserFactor;
    /// let google: UserFactor = serde_json::from_str(r#"{"factorType":"token:software:totp",
    ///     "provider":"GOOGLE","_embedded":{"activation":{"timeStep":30,
    ///     "sharedSecret":"JBTWGV22G4ZGKV3N","encoding":"base32","keyLength":16}}}"#)?;
    /// let activation = google.totp_activation().unwrap();
    /// assert_eq!((activation.key_length, activation.digits()), (Some(16), 6));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn digits(&self) -> u32 {
        self.key_length
            .filter(|digits| (6..=9).contains(digits))
            .unwrap_or(6)
    }

    /// The [Key URI] of this enrollment, for a QR code or a copyable link that
    /// any authenticator app reads:
    /// `otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=ISSUER&algorithm=SHA1&digits=…&period=…`.
    ///
    /// The label and the issuer are percent-encoded (RFC 3986: everything but
    /// unreserved characters, and `@` in the label); the secret is base32 in
    /// upper case without padding or spaces; `digits` is [`Self::digits`],
    /// `period` the activation's time step. The algorithm is `SHA1`: Okta's
    /// activation carries no algorithm member, and its TOTP factors use RFC
    /// 6238's default. An empty `issuer` leaves out the label prefix and the
    /// `issuer` parameter.
    ///
    /// The URI holds the shared secret, so it comes back as a [`Secret`]
    /// (redacted in `Debug`): read it with [`Secret::expose`] only to render it
    /// to the user.
    ///
    /// Errors: `issuer` or `account` contains `:` (the Key URI format forbids
    /// it: it separates them), `account` is empty, the time step is 0, the
    /// secret's encoding is not base32, or the secret is not valid base32.
    ///
    /// ```
    /// # use okta_factors::model::UserFactor;
    /// let factor: UserFactor = serde_json::from_str(r#"{"factorType":"token:software:totp",
    ///     "provider":"OKTA","_embedded":{"activation":{"timeStep":30,
    ///     "sharedSecret":"JBTWGV22G4ZGKV3N","encoding":"base32","keyLength":6}}}"#)?;
    /// let uri = factor.totp_activation().unwrap().otpauth_uri("ACME Co", "dade.murphy@example.com")?;
    /// assert_eq!(
    ///     uri.expose(),
    ///     "otpauth://totp/ACME%20Co:dade.murphy@example.com?secret=JBTWGV22G4ZGKV3N\
    ///      &issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30"
    /// );
    /// assert_eq!(format!("{uri:?}"), "[REDACTED]");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// [Key URI]: https://github.com/google/google-authenticator/wiki/Key-Uri-Format
    pub fn otpauth_uri(&self, issuer: &str, account: &str) -> Result<Secret, InputError> {
        if issuer.contains(':') {
            return Err(otpauth_error("the issuer must not contain ':'"));
        }
        if account.contains(':') {
            return Err(otpauth_error("the account name must not contain ':'"));
        }
        if account.is_empty() {
            return Err(otpauth_error("the account name is empty"));
        }
        if self.time_step == 0 {
            return Err(otpauth_error("the time step is 0 seconds"));
        }
        if !self.encoding.eq_ignore_ascii_case("base32") {
            return Err(otpauth_error(format!(
                "the shared secret encoding {:?} is not supported (base32 is)",
                self.encoding
            )));
        }
        let secret = base32_secret(self.shared_secret)
            .ok_or_else(|| otpauth_error("the shared secret is not valid base32"))?;
        let mut uri = String::from("otpauth://totp/");
        if !issuer.is_empty() {
            uri.extend(utf8_percent_encode(issuer, OTPAUTH_LABEL));
            uri.push(':');
        }
        uri.extend(utf8_percent_encode(account, OTPAUTH_LABEL));
        uri.push_str("?secret=");
        uri.push_str(&secret);
        if !issuer.is_empty() {
            uri.push_str("&issuer=");
            uri.extend(utf8_percent_encode(issuer, OTPAUTH_PARAMETER));
        }
        uri.push_str(&format!(
            "&algorithm=SHA1&digits={}&period={}",
            self.digits(),
            self.time_step
        ));
        Ok(Secret::new(uri))
    }
}

/// `secret` in canonical base32 (upper case, no spaces, no padding), if it is
/// base32: only `A`-`Z`, `2`-`7`, and a length that whole bytes encode to.
fn base32_secret(secret: &Secret) -> Option<String> {
    let cleaned = secret.base32_canonical();
    let valid = !cleaned.is_empty()
        && cleaned
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        && matches!(cleaned.len() % 8, 0 | 2 | 4 | 5 | 7);
    valid.then_some(cleaned)
}

impl Embedded {
    /// TOTP activation data, when the activation carries a shared secret.
    pub fn totp_activation(&self) -> Option<TotpActivation<'_>> {
        let activation = self.activation.as_ref()?;
        Some(TotpActivation {
            shared_secret: activation.shared_secret.as_ref()?,
            time_step: activation.time_step.unwrap_or(30),
            key_length: activation.key_length,
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
