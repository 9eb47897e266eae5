//! [`Simulator::seed_users`]: an org with a realistic mix of factors.

use okta_factors_core::model::{FactorProvider, FactorType};

use crate::api::enroll::id_prefix;
use crate::control::Channel;
use crate::rng::Rng;
use crate::sim::Simulator;
use crate::state::{add, DeviceActivation, FactorState, FastPassKey, Kind, VerifiedPhone};

/// One factor to create: its kind's type, provider and whether it is still
/// waiting for activation.
#[derive(Clone, Copy)]
enum Seeded {
    Sms,
    Call,
    Email,
    Totp(bool),
    Push,
    WebAuthn,
    /// Okta FastPass (`signed_nonce`): always `ACTIVE`.
    FastPass,
}

/// The `jwkType`s of a FastPass factor's keys, as a real org lists them
/// (vector 07: one key each).
const FASTPASS_KEY_TYPES: [&str; 3] = [
    "proofOfPossession",
    "userVerification",
    "userVerificationBioOrPin",
];

impl Simulator {
    /// Creates `n` users (logins `user<index>@example.com`, index counting
    /// all users so far) whose factors follow a plausible mix for an org,
    /// and returns their IDs in creation order:
    ///
    /// | share | factors |
    /// |------:|---------|
    /// | 15 % | none |
    /// | 20 % | `sms` |
    /// | 10 % | `sms` + `email` (half of them), or `call` |
    /// | 30 % | `token:software:totp` (`OKTA` 60 %, `GOOGLE` 40 %), with `sms` for 40 % of them |
    /// | 15 % | Okta Verify: `push` + `token:software:totp` (`OKTA`), with Okta FastPass (`signed_nonce`) for two thirds of them |
    /// | 10 % | `webauthn` (`FIDO`) |
    ///
    /// Each factor is `ACTIVE`, but about 10 % are `PENDING_ACTIVATION`;
    /// FastPass is always `ACTIVE`, and only on a device whose push factor
    /// is (a pending push has no device yet), so about 9 % of the users
    /// hold it.
    /// The factors are created directly (no enrollment request, no OTP sent,
    /// no rate limit counted): active phones are the users' verified phones,
    /// TOTP factors have fresh secrets ([`Simulator::totp_code`] works), an
    /// active push factor is activated on a simulated device and a pending
    /// one waits for [`Simulator::activate_push_device`]. A FastPass factor
    /// has the device's profile and three EC P-256 public keys (random
    /// coordinates: nothing signs with them); the Factors API lists, gets
    /// and unenrolls it, and cannot enroll, activate or verify it (`400
    /// E0000001`), as Okta.
    ///
    /// Which users get which factors depends on `seed` only; IDs and secrets
    /// come from the simulator's own seeded PRNG
    /// ([`SimulatorConfig::seed`](crate::SimulatorConfig::seed)), so the same
    /// configuration and calls give the same org.
    ///
    /// ```
    /// use okta_factors_core::model::{FactorStatus, FactorType};
    /// use okta_factors_sim::Simulator;
    /// let mut sim = Simulator::default();
    /// let users = sim.seed_users(100, 7);
    /// assert_eq!(users.len(), 100);
    /// let without = users.iter().filter(|u| sim.factors(u).is_empty()).count();
    /// assert!((5..=30).contains(&without));
    /// let fastpass: Vec<_> = users
    ///     .iter()
    ///     .flat_map(|u| sim.factors(u))
    ///     .filter(|f| f.factor_type == FactorType::SignedNonce)
    ///     .collect();
    /// assert!((2..=20).contains(&fastpass.len()));
    /// assert!(fastpass.iter().all(|f| f.status == FactorStatus::Active));
    /// ```
    pub fn seed_users(&mut self, n: usize, seed: u64) -> Vec<String> {
        let mut mix = Rng::new(seed ^ 0x5EED_05E2_5000_0000);
        // Who of the Okta Verify users has FastPass: a stream of its own, so
        // that `mix` draws what it drew before FastPass was simulated.
        let mut fastpass = Rng::new(seed ^ 0xFA57_9A55_0000_0000);
        let mut ids = Vec::with_capacity(n);
        for _ in 0..n {
            let index = self.users.len() + 1;
            let id = self.create_user(format!("user{index:05}@example.com"));
            let plan: Vec<Seeded> = match mix.below(100) {
                0..15 => vec![],
                15..35 => vec![Seeded::Sms],
                35..45 if mix.below(2) == 0 => vec![Seeded::Sms, Seeded::Email],
                35..45 => vec![Seeded::Call],
                45..75 => {
                    let totp = Seeded::Totp(mix.below(100) < 60);
                    if mix.below(100) < 40 {
                        vec![totp, Seeded::Sms]
                    } else {
                        vec![totp]
                    }
                }
                75..90 => vec![Seeded::Push, Seeded::Totp(true)],
                _ => vec![Seeded::WebAuthn],
            };
            let okta_verify = plan.iter().any(|s| matches!(s, Seeded::Push));
            let u = self.users.len() - 1;
            let mut device = false;
            for seeded in plan {
                let pending = mix.below(100) < 10;
                if matches!(seeded, Seeded::Push) {
                    device = !pending;
                }
                self.seed_factor(u, seeded, pending);
            }
            if okta_verify && fastpass.below(3) < 2 && device {
                self.seed_factor(u, Seeded::FastPass, false);
            }
            ids.push(id);
        }
        ids
    }

    /// Adds one factor to user `u` directly (the fast path of `seed_users`).
    fn seed_factor(&mut self, u: usize, seeded: Seeded, pending: bool) {
        let now = self.clock.now();
        let active = !pending || matches!(seeded, Seeded::FastPass);
        let phone = || format!("+1415555{:04}", u % 10_000);
        let (factor_type, provider, kind) = match seeded {
            Seeded::Sms => (
                FactorType::Sms,
                FactorProvider::Okta,
                Kind::Sms { phone: phone() },
            ),
            Seeded::Call => (
                FactorType::Call,
                FactorProvider::Okta,
                Kind::Call {
                    phone: phone(),
                    extension: None,
                },
            ),
            Seeded::Email => {
                let email = self
                    .users
                    .get(u)
                    .map(|user| user.email.clone())
                    .unwrap_or_default();
                (
                    FactorType::Email,
                    FactorProvider::Okta,
                    Kind::Email { email },
                )
            }
            Seeded::Totp(okta) => (
                FactorType::TokenSoftwareTotp,
                if okta {
                    FactorProvider::Okta
                } else {
                    FactorProvider::Google
                },
                Kind::Totp {
                    secret: data_encoding::BASE32_NOPAD.encode(&self.rng.bytes(20)),
                    qr_token: format!("00{}", self.rng.base64url(40)),
                    last_counter: None,
                },
            ),
            Seeded::Push => (
                FactorType::Push,
                FactorProvider::Okta,
                Kind::Push {
                    activation: DeviceActivation {
                        expires_at: add(now, self.config.push_activation_expiry),
                        token: format!("00{}", self.rng.base64url(40)),
                    },
                    activated: active,
                },
            ),
            Seeded::WebAuthn => (
                FactorType::WebAuthn,
                FactorProvider::Fido,
                Kind::WebAuthn {
                    challenge: self.rng.alnum(20),
                    credential_id: active.then(|| self.rng.base64url(32)),
                },
            ),
            Seeded::FastPass => (
                FactorType::SignedNonce,
                FactorProvider::Okta,
                Kind::SignedNonce {
                    // Plausible public JWKs only: the coordinates are random
                    // 32-byte strings, not a point on P-256 (nobody verifies
                    // them), and no private key exists anywhere.
                    keys: FASTPASS_KEY_TYPES
                        .iter()
                        .map(|jwk_type| FastPassKey {
                            jwk_type,
                            x: data_encoding::BASE64URL_NOPAD.encode(&self.rng.bytes(32)),
                            y: data_encoding::BASE64URL_NOPAD.encode(&self.rng.bytes(32)),
                        })
                        .collect(),
                },
            ),
        };
        let id = self.new_id(id_prefix(&factor_type, &provider));
        let verified_phone = match (&kind, active) {
            (Kind::Sms { phone }, true) => Some((Channel::Sms, phone.clone())),
            (Kind::Call { phone, .. }, true) => Some((Channel::Call, phone.clone())),
            _ => None,
        };
        let vendor_name = provider.as_str().to_owned();
        let factor = FactorState::new(id.clone(), provider, vendor_name, kind, active, now);
        if let Some(user) = self.users.get_mut(u) {
            user.factors.push(factor);
            if let Some((kind, number)) = verified_phone {
                user.phones.push(VerifiedPhone { id, number, kind });
            }
        }
    }
}
