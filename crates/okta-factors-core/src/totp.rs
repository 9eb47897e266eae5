//! RFC 6238 TOTP codes (feature `totp`), e.g. to activate and verify a
//! `token:software:totp` factor for a service account, or in tests. Time is an
//! argument: this module never reads the clock.

use std::fmt;

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::error::InputError;
use crate::model::{Secret, TotpActivation};

/// A TOTP generator: HMAC-SHA1 over 30-second (or `step`) counters.
///
/// ```
/// use okta_factors::totp::Totp;
/// // RFC 6238 appendix B, SHA-1, 8 digits.
/// let totp = Totp::new(b"12345678901234567890".to_vec(), 30, 8).unwrap();
/// assert_eq!(totp.code_at(59).expose(), "94287082");
/// assert_eq!(totp.verify("94287082", 59 + 30, 1), Some(1));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Totp {
    key: Vec<u8>,
    step: u64,
    digits: u32,
}

impl fmt::Debug for Totp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Totp")
            .field("key", &"[REDACTED]")
            .field("step", &self.step)
            .field("digits", &self.digits)
            .finish()
    }
}

fn invalid(reason: impl Into<String>) -> InputError {
    InputError::Parameter {
        name: "TOTP",
        reason: reason.into(),
    }
}

impl Totp {
    /// A generator over raw key bytes; `step` in seconds (> 0), `digits` 6..=9.
    pub fn new(key: Vec<u8>, step: u64, digits: u32) -> Result<Self, InputError> {
        if key.is_empty() {
            return Err(invalid("the shared secret is empty"));
        }
        if step == 0 {
            return Err(invalid("the time step must be at least 1 second"));
        }
        if !(6..=9).contains(&digits) {
            return Err(invalid(format!("{digits} digits is outside 6..=9")));
        }
        Ok(Self { key, step, digits })
    }

    /// A generator over a base32 secret (case, spaces and `=` padding ignored).
    pub fn from_base32(secret: &Secret, step: u64, digits: u32) -> Result<Self, InputError> {
        let cleaned = secret.base32_canonical();
        let key = data_encoding::BASE32_NOPAD
            .decode(cleaned.as_bytes())
            .map_err(|_| invalid("the shared secret is not valid base32"))?;
        Self::new(key, step, digits)
    }

    /// A generator for an enrollment's activation data: its base32 secret,
    /// time step and [`TotpActivation::digits`] (Okta's `keyLength` is not
    /// always the number of digits: Google Authenticator enrollments send 16,
    /// the length of the secret).
    pub fn from_activation(activation: &TotpActivation<'_>) -> Result<Self, InputError> {
        if !activation.encoding.eq_ignore_ascii_case("base32") {
            return Err(invalid(format!(
                "the shared secret encoding {:?} is not supported (base32 is)",
                activation.encoding
            )));
        }
        Self::from_base32(
            activation.shared_secret,
            activation.time_step,
            activation.digits(),
        )
    }

    /// The time step in seconds.
    pub fn step(&self) -> u64 {
        self.step
    }

    /// Digits per code.
    pub fn digits(&self) -> u32 {
        self.digits
    }

    /// The counter (time step number) of `unix_seconds`.
    pub fn counter_at(&self, unix_seconds: u64) -> u64 {
        unix_seconds / self.step
    }

    /// The code for counter `counter` (RFC 4226 HOTP).
    pub fn code_for_counter(&self, counter: u64) -> Secret {
        let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(&self.key) else {
            // HMAC takes keys of any length; this branch cannot be taken.
            return Secret::default();
        };
        mac.update(&counter.to_be_bytes());
        let digest = mac.finalize().into_bytes();
        let offset = usize::from(digest[digest.len() - 1] & 0x0f);
        let binary = (u32::from(digest[offset] & 0x7f) << 24)
            | (u32::from(digest[offset + 1]) << 16)
            | (u32::from(digest[offset + 2]) << 8)
            | u32::from(digest[offset + 3]);
        let code = binary % 10u32.pow(self.digits);
        Secret::new(format!("{code:0width$}", width = self.digits as usize))
    }

    /// The code at `unix_seconds`.
    pub fn code_at(&self, unix_seconds: u64) -> Secret {
        self.code_for_counter(self.counter_at(unix_seconds))
    }

    /// The largest `window` [`Totp::verify`] honours: 10 steps each side (5
    /// minutes at 30-second steps, already far more clock drift than RFC 6238
    /// section 5.2 recommends allowing). A larger window is clamped to it, so a
    /// check costs at most 21 HMACs whatever the caller passes.
    pub const MAX_WINDOW: u64 = 10;

    /// Checks `code` at `unix_seconds`, accepting `window` steps before and
    /// after (clamped to [`Totp::MAX_WINDOW`]); returns the matching counter (so
    /// a caller can refuse replays).
    pub fn verify(&self, code: &str, unix_seconds: u64, window: u64) -> Option<u64> {
        let window = window.min(Self::MAX_WINDOW);
        let now = self.counter_at(unix_seconds);
        let first = now.saturating_sub(window);
        (first..=now.saturating_add(window)).find(|&counter| {
            constant_time_eq(
                self.code_for_counter(counter).expose().as_bytes(),
                code.as_bytes(),
            )
        })
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6238_sha1_vectors() {
        let totp = Totp::new(b"12345678901234567890".to_vec(), 30, 8).unwrap();
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp.code_at(time).expose(), code, "t={time}");
        }
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        let hotp = Totp::new(b"12345678901234567890".to_vec(), 30, 6).unwrap();
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp.code_for_counter(counter as u64).expose(), *code);
        }
    }

    #[test]
    fn base32_and_activation() {
        // "12345678901234567890" in base32.
        let secret = Secret::new("gezd gnbv gy3t qojq gezd gnbv gy3t qojq");
        let totp = Totp::from_base32(&secret, 30, 8).unwrap();
        assert_eq!(totp.code_at(59).expose(), "94287082");
        assert!(Totp::from_base32(&Secret::new("not base32!"), 30, 6).is_err());
        assert!(Totp::new(vec![1], 0, 6).is_err());
        assert!(Totp::new(vec![1], 30, 5).is_err());
        assert!(!format!("{totp:?}").contains("1234"));

        let secret = Secret::new("JBTWGV22G4ZGKV3N");
        let activation = TotpActivation {
            shared_secret: &secret,
            time_step: 30,
            key_length: Some(16),
            encoding: "base32",
            qr_code: None,
        };
        let totp = Totp::from_activation(&activation).unwrap();
        assert_eq!(totp.digits(), 6);
        let code = totp.code_at(1_000_000);
        assert_eq!(totp.verify(code.expose(), 1_000_000 + 30, 1), Some(33_333));
        assert_eq!(totp.verify(code.expose(), 1_000_000 + 90, 1), None);
    }
}
