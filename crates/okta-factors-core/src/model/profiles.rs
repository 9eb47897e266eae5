//! The typed `profile` of each factor type.

use serde_json::Value;

use super::Secret;

wire_object! {
    /// Profile of `sms` factors (also the profile of a catalog phone).
    pub struct SmsProfile {
        /// Phone number; Okta documents E.164 but sends what was enrolled
        /// (e.g. `+1-555-415-1337`), so it is not validated here.
        "phoneNumber" => phone_number: String,
    }
}

wire_object! {
    /// Profile of `call` factors.
    pub struct CallProfile {
        /// Phone number.
        "phoneNumber" => phone_number: String,
        /// Phone extension.
        "phoneExtension" => phone_extension: String,
    }
}

wire_object! {
    /// Profile of `email` factors.
    pub struct EmailProfile {
        /// Email address.
        "email" => email: String,
    }
}

wire_object! {
    /// Profile of `question` factors. Okta never returns the answer; it is only
    /// sent on enrollment.
    pub struct QuestionProfile {
        /// Question key, e.g. `disliked_food`.
        "question" => question: String,
        /// Human-readable question text.
        "questionText" => question_text: String,
        /// The answer (request side only; redacted in `Debug`).
        "answer" => answer: Secret,
    }
}

wire_object! {
    /// Profile of `push` factors (Okta Verify). Real orgs also send `keys`.
    pub struct PushProfile {
        /// Credential ID (the user's login).
        "credentialId" => credential_id: String,
        /// Device token (identifies the device to Okta's push service;
        /// redacted in `Debug`).
        "deviceToken" => device_token: Secret,
        /// Device type, e.g. `SmartPhone_IPhone`.
        "deviceType" => device_type: String,
        /// Device name.
        "name" => name: String,
        /// Platform, e.g. `IOS`.
        "platform" => platform: String,
        /// Okta Verify version.
        "version" => version: String,
        /// Device keys as Okta sends them.
        "keys" => keys: Vec<Value>,
    }
}

wire_object! {
    /// Profile of `signed_nonce` factors (Okta FastPass).
    pub struct SignedNonceProfile {
        /// Credential ID.
        "credentialId" => credential_id: String,
        /// Device type.
        "deviceType" => device_type: String,
        /// Device name.
        "name" => name: String,
        /// OS platform.
        "platform" => platform: String,
        /// OS version.
        "version" => version: String,
        /// Keys (JWKs with the non-standard `jwkType`).
        "keys" => keys: Vec<SignedNonceKey>,
    }
}

wire_object! {
    /// A JWK of a `signed_nonce` factor.
    pub struct SignedNonceKey {
        /// Key type (`EC`, `RSA`).
        "kty" => kty: String,
        /// Key use.
        "use" => key_use: String,
        /// Key ID.
        "kid" => kid: String,
        /// Purpose: `proofOfPossession`, `userVerification`, `userVerificationBioOrPin`, ….
        "jwkType" => jwk_type: String,
        /// EC curve.
        "crv" => crv: String,
        /// EC x coordinate.
        "x" => x: String,
        /// EC y coordinate.
        "y" => y: String,
        /// RSA exponent.
        "e" => e: String,
        /// RSA modulus.
        "n" => n: String,
        /// Certificate chain.
        "x5c" => x5c: Vec<String>,
    }
}

wire_object! {
    /// Profile of `token`, `token:hardware` and `token:software:totp` factors.
    pub struct TokenProfile {
        /// Credential ID (token serial or user login).
        "credentialId" => credential_id: String,
    }
}

wire_object! {
    /// Profile of `token:hotp` (custom TOTP) factors.
    pub struct HotpProfile {
        /// Credential ID.
        "credentialId" => credential_id: String,
        /// The shared secret (request side; redacted in `Debug`).
        "sharedSecret" => shared_secret: Secret,
    }
}

wire_object! {
    /// Profile of `u2f` factors.
    pub struct U2fProfile {
        /// Credential ID.
        "credentialId" => credential_id: String,
        /// U2F version, e.g. `U2F_V2`.
        "version" => version: String,
    }
}

wire_object! {
    /// Profile of `web` factors (Duo).
    pub struct WebProfile {
        /// Credential ID.
        "credentialId" => credential_id: String,
    }
}

wire_object! {
    /// Profile of `webauthn` factors.
    pub struct WebAuthnProfile {
        /// Credential ID.
        "credentialId" => credential_id: String,
        /// Authenticator name from the AAGUID metadata.
        "authenticatorName" => authenticator_name: String,
    }
}
