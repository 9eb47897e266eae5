//! [`FactorEnrollment`]: the request body of enroll and resend. Only writable
//! members exist here; there is no way to send an `id`, `status` or `_links`.
//!
//! Every member the spec lets a request carry has a typed field and a `with_…`
//! setter (the types are `#[non_exhaustive]`, so struct literals are not
//! available outside this crate).

use super::{FactorProvider, FactorType, Secret};

wire_object! {
    /// The writable profile members of every factor type (both spec versions).
    ///
    /// ```
    /// use okta_factors::model::EnrollmentProfile;
    /// let profile = EnrollmentProfile::default()
    ///     .with_phone_number("+15554151337")
    ///     .with_phone_extension("1234");
    /// assert_eq!(
    ///     serde_json::to_value(&profile).unwrap(),
    ///     serde_json::json!({"phoneNumber": "+15554151337", "phoneExtension": "1234"})
    /// );
    /// ```
    pub struct EnrollmentProfile {
        /// `sms`/`call` phone number.
        "phoneNumber" => phone_number: String,
        /// `call` phone extension.
        "phoneExtension" => phone_extension: String,
        /// `email` address.
        "email" => email: String,
        /// `question` key, e.g. `disliked_food`.
        "question" => question: String,
        /// `question` answer (at least 4 characters; redacted in `Debug`).
        "answer" => answer: Secret,
        /// `token`/`web` credential ID.
        "credentialId" => credential_id: String,
        /// `token:hotp` shared secret (redacted in `Debug`).
        "sharedSecret" => shared_secret: Secret,
        /// `push` device token (redacted in `Debug`).
        "deviceToken" => device_token: Secret,
        /// `push` device type, e.g. `SmartPhone_IPhone`.
        "deviceType" => device_type: String,
        /// `push` device name.
        "name" => name: String,
        /// `push` device platform, e.g. `IOS`.
        "platform" => platform: String,
        /// `push` Okta Verify version.
        "version" => version: String,
    }
}

setters! {
    EnrollmentProfile {
        with_phone_number => phone_number: String,
        with_phone_extension => phone_extension: String,
        with_email => email: String,
        with_question => question: String,
        with_answer => answer: Secret,
        with_credential_id => credential_id: String,
        with_shared_secret => shared_secret: Secret,
        with_device_token => device_token: Secret,
        with_device_type => device_type: String,
        with_name => name: String,
        with_platform => platform: String,
        with_version => version: String,
    }
}

wire_object! {
    /// The `verify` member of an enrollment: the current (and for Symantec
    /// VIP, the next) code of a token, or, in the 3.0-era spec where `verify` is
    /// a whole verify request, a U2F or WebAuthn proof.
    ///
    /// ```
    /// use okta_factors::model::{EnrollmentVerify, FactorEnrollment};
    /// let body = FactorEnrollment::u2f().with_verify(
    ///     EnrollmentVerify::default()
    ///         .with_registration_data("BQTEMUyOM8h1TiZG4DL-RdMr-tYgTYSf62Y52AmwEFTiSYWIRVO5L-MwWdRdzFuB")
    ///         .with_client_data("eyJ0eXAiOiJuYXZpZ2F0b3IuaWQuZmluaXNoRW5yb2xsbWVudCJ9"),
    /// );
    /// let json = serde_json::to_value(&body).unwrap();
    /// assert_eq!(json["verify"]["clientData"], "eyJ0eXAiOiJuYXZpZ2F0b3IuaWQuZmluaXNoRW5yb2xsbWVudCJ9");
    /// ```
    pub struct EnrollmentVerify {
        /// Code of the current time window.
        "passCode" => pass_code: Secret,
        /// Code of the next time window (Symantec VIP).
        "nextPassCode" => next_pass_code: Secret,
        /// Security question answer (3.0 spec).
        "answer" => answer: Secret,
        /// Activation token (3.0 spec).
        "activationToken" => activation_token: Secret,
        /// Authn state token (3.0 spec).
        "stateToken" => state_token: Secret,
        /// U2F/WebAuthn client data (3.0 spec).
        "clientData" => client_data: String,
        /// U2F registration data (3.0 spec).
        "registrationData" => registration_data: String,
        /// WebAuthn attestation (3.0 spec).
        "attestation" => attestation: String,
        /// WebAuthn authenticator data (3.0 spec).
        "authenticatorData" => authenticator_data: String,
        /// U2F/WebAuthn signature (3.0 spec).
        "signatureData" => signature_data: String,
    }
}

setters! {
    EnrollmentVerify {
        with_pass_code => pass_code: Secret,
        with_next_pass_code => next_pass_code: Secret,
        with_answer => answer: Secret,
        with_activation_token => activation_token: Secret,
        with_state_token => state_token: Secret,
        with_client_data => client_data: String,
        with_registration_data => registration_data: String,
        with_attestation => attestation: String,
        with_authenticator_data => authenticator_data: String,
        with_signature_data => signature_data: String,
    }
}

wire_object! {
    /// The body of `enroll_factor` and `resend_enroll_factor`.
    ///
    /// Use a constructor for the common cases; anything else can be built with
    /// [`FactorEnrollment::new`] and the `with_…` setters.
    ///
    /// ```
    /// use okta_factors::model::FactorEnrollment;
    /// let body = serde_json::to_value(FactorEnrollment::sms("+15554151337")).unwrap();
    /// assert_eq!(body, serde_json::json!({
    ///     "factorType": "sms", "provider": "OKTA", "profile": {"phoneNumber": "+15554151337"}
    /// }));
    /// ```
    pub struct FactorEnrollment {
        /// Factor type.
        "factorType" => factor_type: FactorType,
        /// Provider.
        "provider" => provider: FactorProvider,
        /// Custom TOTP factor profile ID (`token:hotp`).
        "factorProfileId" => factor_profile_id: String,
        /// Profile.
        "profile" => profile: EnrollmentProfile,
        /// Token codes for `token` / `token:hardware` enrollments (and, in the
        /// 3.0-era spec, U2F/WebAuthn proofs).
        "verify" => verify: EnrollmentVerify,
    }
}

setters! {
    FactorEnrollment {
        with_factor_type => factor_type: FactorType,
        with_provider => provider: FactorProvider,
        with_factor_profile_id => factor_profile_id: String,
        with_profile => profile: EnrollmentProfile,
        with_verify => verify: EnrollmentVerify,
    }
}

/// Which app generates the codes of a `token:software:totp` factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TotpProvider {
    /// Okta Verify.
    Okta,
    /// Google Authenticator.
    Google,
}

impl FactorEnrollment {
    /// A body with just `factorType` and `provider`.
    pub fn new(factor_type: FactorType, provider: FactorProvider) -> Self {
        Self {
            factor_type: Some(factor_type),
            provider: Some(provider),
            ..Self::default()
        }
    }

    /// SMS to `phone_number`.
    pub fn sms(phone_number: impl Into<String>) -> Self {
        Self::new(FactorType::Sms, FactorProvider::Okta).with_profile(EnrollmentProfile {
            phone_number: Some(phone_number.into()),
            ..Default::default()
        })
    }

    /// Voice call to `phone_number`.
    pub fn call(phone_number: impl Into<String>) -> Self {
        Self::new(FactorType::Call, FactorProvider::Okta).with_profile(EnrollmentProfile {
            phone_number: Some(phone_number.into()),
            ..Default::default()
        })
    }

    /// Voice call to `phone_number` with an extension.
    pub fn call_with_extension(
        phone_number: impl Into<String>,
        extension: impl Into<String>,
    ) -> Self {
        let mut body = Self::call(phone_number);
        if let Some(profile) = &mut body.profile {
            profile.phone_extension = Some(extension.into());
        }
        body
    }

    /// Email OTP to `email` (a verified primary or secondary address of the user).
    pub fn email(email: impl Into<String>) -> Self {
        Self::new(FactorType::Email, FactorProvider::Okta).with_profile(EnrollmentProfile {
            email: Some(email.into()),
            ..Default::default()
        })
    }

    /// Security question `question` (a key from `list_supported_security_questions`)
    /// with its answer.
    pub fn question(question: impl Into<String>, answer: impl Into<Secret>) -> Self {
        Self::new(FactorType::Question, FactorProvider::Okta).with_profile(EnrollmentProfile {
            question: Some(question.into()),
            answer: Some(answer.into()),
            ..Default::default()
        })
    }

    /// Software TOTP with Okta Verify or Google Authenticator.
    pub fn totp(provider: TotpProvider) -> Self {
        let provider = match provider {
            TotpProvider::Okta => FactorProvider::Okta,
            TotpProvider::Google => FactorProvider::Google,
        };
        Self::new(FactorType::TokenSoftwareTotp, provider)
    }

    /// Okta Verify push.
    pub fn push() -> Self {
        Self::new(FactorType::Push, FactorProvider::Okta)
    }

    /// Custom TOTP (`token:hotp`, provider `CUSTOM`) with a factor profile ID from
    /// the Admin Console and the token's shared secret.
    pub fn custom_hotp(
        factor_profile_id: impl Into<String>,
        shared_secret: impl Into<Secret>,
    ) -> Self {
        let mut body = Self::new(FactorType::TokenHotp, FactorProvider::Custom).with_profile(
            EnrollmentProfile {
                shared_secret: Some(shared_secret.into()),
                ..Default::default()
            },
        );
        body.factor_profile_id = Some(factor_profile_id.into());
        body
    }

    /// WebAuthn (provider `FIDO`).
    pub fn webauthn() -> Self {
        Self::new(FactorType::WebAuthn, FactorProvider::Fido)
    }

    /// U2F (provider `FIDO`).
    pub fn u2f() -> Self {
        Self::new(FactorType::U2f, FactorProvider::Fido)
    }

    /// A `token` factor (RSA SecurID, Symantec VIP, …) for `credential_id`,
    /// proven with the token's current code.
    pub fn token(
        provider: FactorProvider,
        credential_id: impl Into<String>,
        pass_code: impl Into<Secret>,
    ) -> Self {
        let mut body = Self::new(FactorType::Token, provider).with_profile(EnrollmentProfile {
            credential_id: Some(credential_id.into()),
            ..Default::default()
        });
        body.verify = Some(EnrollmentVerify {
            pass_code: Some(pass_code.into()),
            ..Default::default()
        });
        body
    }

    /// Symantec VIP: `token` with the current and the next code.
    pub fn symantec_vip(
        credential_id: impl Into<String>,
        pass_code: impl Into<Secret>,
        next_pass_code: impl Into<Secret>,
    ) -> Self {
        let mut body = Self::token(FactorProvider::Symantec, credential_id, pass_code);
        if let Some(verify) = &mut body.verify {
            verify.next_pass_code = Some(next_pass_code.into());
        }
        body
    }

    /// YubiKey OTP (`token:hardware`, provider `YUBICO`), proven with one OTP.
    pub fn yubikey(pass_code: impl Into<Secret>) -> Self {
        let mut body = Self::new(FactorType::TokenHardware, FactorProvider::Yubico);
        body.verify = Some(EnrollmentVerify {
            pass_code: Some(pass_code.into()),
            ..Default::default()
        });
        body
    }
}
