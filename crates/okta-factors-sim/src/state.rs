//! The simulated org's state: users, factors, push transactions.

use std::time::{Duration, SystemTime};

use okta_factors_core::model::{FactorProvider, FactorStatus, FactorType};
use okta_factors_core::totp::Totp;

use crate::control::{Channel, SentMessage};

pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) login: String,
    pub(crate) email: String,
    pub(crate) factors: Vec<FactorState>,
    pub(crate) outbox: Vec<SentMessage>,
    /// Verified phones (also recovery phones): kept after their factor is
    /// unenrolled unless `removeRecoveryEnrollment=true`.
    pub(crate) phones: Vec<VerifiedPhone>,
}

impl User {
    pub(crate) fn factor_index(&self, factor_id: &str) -> Option<usize> {
        self.factors.iter().position(|f| f.id == factor_id)
    }
}

pub(crate) struct VerifiedPhone {
    pub(crate) id: String,
    pub(crate) number: String,
    pub(crate) kind: Channel,
}

pub(crate) struct Otp {
    pub(crate) code: String,
    pub(crate) expires_at: SystemTime,
}

/// A push or Duo enrollment waiting for the device.
pub(crate) struct DeviceActivation {
    pub(crate) expires_at: SystemTime,
    pub(crate) token: String,
}

pub(crate) enum Kind {
    Sms {
        phone: String,
    },
    Call {
        phone: String,
        extension: Option<String>,
    },
    Email {
        email: String,
    },
    Question {
        question: String,
        answer: String,
    },
    Totp {
        secret: String,
        qr_token: String,
        last_counter: Option<u64>,
    },
    Push {
        activation: DeviceActivation,
        activated: bool,
    },
    Hotp {
        key: Vec<u8>,
        factor_profile_id: String,
        last_counter: Option<u64>,
    },
    Token {
        credential_id: String,
        last_code: Option<String>,
    },
    Hardware {
        credential_id: String,
        last_code: Option<String>,
    },
    U2f {
        nonce: String,
        credential_id: Option<String>,
    },
    WebAuthn {
        challenge: String,
        credential_id: Option<String>,
    },
    Web {
        activation: DeviceActivation,
    },
    /// Okta FastPass: created only by [`Simulator::seed_users`](crate::Simulator::seed_users)
    /// (the Factors API cannot enroll or activate it), always `ACTIVE`.
    SignedNonce {
        keys: Vec<FastPassKey>,
    },
}

/// A public key of a FastPass (`signed_nonce`) factor, as an EC P-256 JWK
/// with Okta's `jwkType`. Only public coordinates exist: no private key is
/// made, and nothing in the simulator signs or verifies with these keys.
pub(crate) struct FastPassKey {
    /// `proofOfPossession`, `userVerification` or `userVerificationBioOrPin`.
    pub(crate) jwk_type: &'static str,
    /// base64url (no padding) of the 32-byte x coordinate.
    pub(crate) x: String,
    /// base64url (no padding) of the 32-byte y coordinate.
    pub(crate) y: String,
}

impl Kind {
    pub(crate) fn factor_type(&self) -> FactorType {
        match self {
            Self::Sms { .. } => FactorType::Sms,
            Self::Call { .. } => FactorType::Call,
            Self::Email { .. } => FactorType::Email,
            Self::Question { .. } => FactorType::Question,
            Self::Totp { .. } => FactorType::TokenSoftwareTotp,
            Self::Push { .. } => FactorType::Push,
            Self::Hotp { .. } => FactorType::TokenHotp,
            Self::Token { .. } => FactorType::Token,
            Self::Hardware { .. } => FactorType::TokenHardware,
            Self::U2f { .. } => FactorType::U2f,
            Self::WebAuthn { .. } => FactorType::WebAuthn,
            Self::Web { .. } => FactorType::Web,
            Self::SignedNonce { .. } => FactorType::SignedNonce,
        }
    }

    /// The channel and address of an OTP factor.
    pub(crate) fn otp_target(&self) -> Option<(Channel, &str)> {
        match self {
            Self::Sms { phone } => Some((Channel::Sms, phone)),
            Self::Call { phone, .. } => Some((Channel::Call, phone)),
            Self::Email { email } => Some((Channel::Email, email)),
            _ => None,
        }
    }
}

pub(crate) struct FactorState {
    pub(crate) id: String,
    pub(crate) provider: FactorProvider,
    pub(crate) vendor_name: String,
    pub(crate) status: FactorStatus,
    pub(crate) created: SystemTime,
    pub(crate) last_updated: SystemTime,
    pub(crate) kind: Kind,
    /// The outstanding OTP of an sms/call/email factor.
    pub(crate) otp: Option<Otp>,
    /// Recent activation attempts (for the 5-per-5-minutes limit).
    pub(crate) activation_attempts: Vec<SystemTime>,
}

impl FactorState {
    /// A factor enrolled at `now`: ACTIVE or waiting for its activation,
    /// no OTP outstanding, no activation attempt yet.
    pub(crate) fn new(
        id: String,
        provider: FactorProvider,
        vendor_name: String,
        kind: Kind,
        active: bool,
        now: SystemTime,
    ) -> Self {
        Self {
            id,
            provider,
            vendor_name,
            status: if active {
                FactorStatus::Active
            } else {
                FactorStatus::PendingActivation
            },
            created: now,
            last_updated: now,
            kind,
            otp: None,
            activation_attempts: Vec::new(),
        }
    }

    pub(crate) fn factor_type(&self) -> FactorType {
        self.kind.factor_type()
    }

    pub(crate) fn is_active(&self) -> bool {
        self.status == FactorStatus::Active
    }

    /// The TOTP generator of a `token:software:totp` or `token:hotp` factor.
    pub(crate) fn totp(&self) -> Option<Totp> {
        match &self.kind {
            Kind::Totp { secret, .. } => {
                Totp::from_base32(&okta_factors_core::Secret::new(secret.as_str()), 30, 6).ok()
            }
            Kind::Hotp { key, .. } => Totp::new(key.clone(), 30, 6).ok(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxState {
    Waiting,
    Success,
    Rejected,
    Cancelled,
}

pub(crate) struct Transaction {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) factor_id: String,
    pub(crate) expires_at: SystemTime,
    pub(crate) state: TxState,
    pub(crate) correct_answer: Option<u32>,
    pub(crate) credential_id: String,
}

impl Transaction {
    pub(crate) fn is_expired(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }
}

/// Whom a rate-limit bucket counts: the configured API token (whatever its
/// scheme and spelling), a service app (every access token issued to it),
/// the token endpoint (every token request together), or every
/// unauthenticated API request together.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Principal {
    ApiToken,
    /// A registered client ID.
    ServiceApp(String),
    TokenEndpoint,
    Unauthenticated,
}

impl Principal {
    /// The key of the principal in [`RateLimitStats`](crate::RateLimitStats).
    pub(crate) fn key(&self) -> String {
        match self {
            Self::ApiToken => "api-token".to_owned(),
            Self::ServiceApp(client_id) => format!("service-app:{client_id}"),
            Self::TokenEndpoint => "token-endpoint".to_owned(),
            Self::Unauthenticated => "unauthenticated".to_owned(),
        }
    }
}

/// One rate-limit window of one principal and bucket.
pub(crate) struct Bucket {
    pub(crate) start: SystemTime,
    pub(crate) used: u32,
}

/// `time + d`, saturating at `time` on overflow.
pub(crate) fn add(time: SystemTime, d: Duration) -> SystemTime {
    time.checked_add(d).unwrap_or(time)
}
