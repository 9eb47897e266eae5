//! The open string enums of the UserFactor API.

open_enum! {
    /// The type of a factor (`factorType`).
    pub enum FactorType {
        /// Voice call OTP.
        Call => "call",
        /// Email OTP.
        Email => "email",
        /// Okta Verify push.
        Push => "push",
        /// Security question.
        Question => "question",
        /// Okta FastPass (listed and deleted through this API, never enrolled).
        SignedNonce => "signed_nonce",
        /// SMS OTP.
        Sms => "sms",
        /// Third-party OTP token (RSA SecurID, Symantec VIP).
        Token => "token",
        /// Hardware OTP token (YubiKey).
        TokenHardware => "token:hardware",
        /// Custom TOTP (HOTP) factor.
        TokenHotp => "token:hotp",
        /// Software TOTP (Okta Verify, Google Authenticator).
        TokenSoftwareTotp => "token:software:totp",
        /// U2F security key.
        U2f => "u2f",
        /// Web factor (Duo).
        Web => "web",
        /// WebAuthn / FIDO2 authenticator.
        WebAuthn => "webauthn",
        /// The 3.0-era spelling of `token:hotp` (same model).
        Hotp => "hotp",
    }
}

open_enum! {
    /// The status of a factor.
    pub enum FactorStatus {
        /// Enrolled and usable.
        Active => "ACTIVE",
        /// Disabled by an admin.
        Disabled => "DISABLED",
        /// Enrolled.
        Enrolled => "ENROLLED",
        /// Expired.
        Expired => "EXPIRED",
        /// Inactive.
        Inactive => "INACTIVE",
        /// Not set up.
        NotSetup => "NOT_SETUP",
        /// Enrolled, waiting for activation.
        PendingActivation => "PENDING_ACTIVATION",
    }
}

open_enum! {
    /// The provider of a factor.
    pub enum FactorProvider {
        /// Custom TOTP / custom IdP.
        Custom => "CUSTOM",
        /// Duo Security.
        Duo => "DUO",
        /// FIDO (u2f, webauthn).
        Fido => "FIDO",
        /// Google Authenticator.
        Google => "GOOGLE",
        /// Okta.
        Okta => "OKTA",
        /// RSA SecurID.
        Rsa => "RSA",
        /// Symantec VIP.
        Symantec => "SYMANTEC",
        /// Yubico.
        Yubico => "YUBICO",
    }
}

open_enum! {
    /// The result of a verification, a push transaction or a push activation
    /// (`factorResult`). Both spellings of "cancelled" that Okta has used are known.
    pub enum FactorResult {
        /// Okta issued a challenge (OTP sent, WebAuthn/U2F challenge returned).
        Challenge => "CHALLENGE",
        /// Verification failed with a server error.
        Error => "ERROR",
        /// The user did not complete the verification in time.
        Expired => "EXPIRED",
        /// Verification failed.
        Failed => "FAILED",
        /// The passcode was already used in this time window.
        PasscodeReplayed => "PASSCODE_REPLAYED",
        /// The user rejected the push.
        Rejected => "REJECTED",
        /// Verified.
        Success => "SUCCESS",
        /// The push was not answered in time.
        Timeout => "TIMEOUT",
        /// Verified outside of the allowed time window.
        TimeWindowExceeded => "TIME_WINDOW_EXCEEDED",
        /// A push is waiting for the user.
        Waiting => "WAITING",
        /// Cancelled (3.0-era spelling).
        Cancelled => "CANCELLED",
        /// Cancelled (current spelling).
        Canceled => "CANCELED",
    }
}

open_enum! {
    /// Whether a supported factor is required for the user (`enrollment`).
    pub enum EnrollmentRequirement {
        /// The user may enroll it.
        Optional => "OPTIONAL",
        /// The user must enroll it.
        Required => "REQUIRED",
    }
}
