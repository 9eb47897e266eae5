//! `POST /api/v1/users/{userId}/factors`: enroll a factor.

use std::time::Duration;

use http::StatusCode;
use okta_factors_core::model::{
    EnrollmentProfile, FactorEnrollment, FactorProvider, FactorStatus, FactorType,
};

use super::render::{normalize_phone, render_factor};
use super::{json, Ctx, Fail, Outcome};
use crate::control::Channel;
use crate::questions::question_text;
use crate::sim::Simulator;
use crate::state::{add, DeviceActivation, FactorState, Kind, VerifiedPhone};

/// The providers each factor type supports; the first is the default when a
/// request names none (`token` has no default).
fn providers(factor_type: &FactorType) -> &'static [FactorProvider] {
    use FactorProvider as P;
    match factor_type {
        FactorType::Sms
        | FactorType::Call
        | FactorType::Email
        | FactorType::Question
        | FactorType::Push => &[P::Okta],
        FactorType::TokenSoftwareTotp => &[P::Okta, P::Google],
        FactorType::Token => &[P::Rsa, P::Symantec],
        FactorType::TokenHardware => &[P::Yubico],
        FactorType::TokenHotp => &[P::Custom],
        FactorType::U2f | FactorType::WebAuthn => &[P::Fido],
        FactorType::Web => &[P::Duo],
        _ => &[],
    }
}

/// ID prefix per factor type (as real orgs use).
pub(crate) fn id_prefix(factor_type: &FactorType, provider: &FactorProvider) -> &'static str {
    match (factor_type, provider) {
        (FactorType::Sms, _) => "mbl",
        (FactorType::Call, _) => "clf",
        (FactorType::Email, _) => "emf",
        (FactorType::Question, _) => "ufs",
        (FactorType::TokenSoftwareTotp, FactorProvider::Google) => "uft",
        (FactorType::TokenSoftwareTotp, _) => "ost",
        (FactorType::Push, _) => "opf",
        (FactorType::Token, FactorProvider::Rsa) => "rsa",
        (FactorType::Token, _) => "ufv",
        (FactorType::TokenHardware, _) => "ykf",
        (FactorType::TokenHotp, _) => "chf",
        (FactorType::U2f, _) => "fuf",
        (FactorType::WebAuthn, _) => "fwf",
        (FactorType::Web, _) => "dsf",
        (FactorType::SignedNonce, _) => "crp",
        _ => "fct",
    }
}

/// Whether a phone number looks dialable: optional `+`, 7 to 15 digits, and
/// only spaces, dashes, dots and parentheses besides.
fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let trimmed = phone.trim();
    (7..=15).contains(&digits)
        && trimmed.chars().enumerate().all(|(i, c)| {
            c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')') || (c == '+' && i == 0)
        })
}

/// The key bytes of a custom TOTP shared secret: hex, else base32, else the
/// raw bytes.
pub(crate) fn hotp_key(secret: &str) -> Vec<u8> {
    let s = secret.trim();
    if s.len().is_multiple_of(2) && !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(key) = data_encoding::HEXLOWER_PERMISSIVE.decode(s.as_bytes()) {
            return key;
        }
    }
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if let Ok(key) = data_encoding::BASE32_NOPAD.decode(cleaned.as_bytes()) {
        if !key.is_empty() {
            return key;
        }
    }
    s.as_bytes().to_vec()
}

/// A YubiKey OTP: 32 to 48 modhex characters.
pub(crate) fn valid_yubikey_otp(code: &str) -> bool {
    (32..=48).contains(&code.len()) && code.bytes().all(|b| b"cbdefghijklnrtuv".contains(&b))
}

/// An RSA SecurID / Symantec VIP code: 6 to 10 digits.
pub(crate) fn valid_token_code(code: &str) -> bool {
    (6..=10).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit())
}

/// The 12-digit serial of a YubiKey, from the public ID of its OTP (the first
/// 12 modhex characters).
fn yubikey_serial(otp: &str) -> String {
    let value = otp
        .bytes()
        .take(12)
        .filter_map(|b| b"cbdefghijklnrtuv".iter().position(|m| *m == b))
        .fold(0u64, |acc, nibble| (acc << 4) | nibble as u64);
    format!("{:012}", value % 1_000_000_000_000)
}

fn required<'a>(value: Option<&'a str>, field: &str) -> Result<&'a str, Fail> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Fail::enroll(format!("{field}: The field cannot be left blank")))
}

impl Simulator {
    pub(crate) fn enroll(&mut self, ctx: &Ctx<'_>, user_id: &str) -> Outcome {
        let u = self.user_index(user_id)?;
        let body: FactorEnrollment = ctx.required_body("factorEnrollRequest")?;
        let lifetime = ctx.query.token_lifetime(self.config.otp_lifetime)?;
        let activate = ctx.query.flag("activate");
        let update_phone = ctx.query.flag("updatePhone");

        let factor_type = body
            .factor_type
            .clone()
            .ok_or_else(|| Fail::enroll("factorType: The field cannot be left blank"))?;
        let supported = providers(&factor_type);
        if supported.is_empty() {
            return Err(Fail::enroll(format!(
                "factorType: The factor type {factor_type} cannot be enrolled with this API"
            )));
        }
        let provider = match &body.provider {
            Some(p) if supported.contains(p) => p.clone(),
            Some(p) => {
                return Err(Fail::enroll(format!(
                    "provider: The provider {p} is not supported for factor type {factor_type}"
                )))
            }
            None if factor_type == FactorType::Token => {
                return Err(Fail::enroll("provider: The field cannot be left blank"))
            }
            None => supported.first().cloned().unwrap_or(FactorProvider::Okta),
        };
        if !self
            .catalog
            .iter()
            .any(|(t, p, _)| *t == factor_type && *p == provider)
        {
            return Err(Fail::enroll(format!(
                "The factor {factor_type} ({provider}) is not enabled for this user."
            )));
        }
        let profile = body.profile.clone().unwrap_or_default();

        if matches!(factor_type, FactorType::Sms | FactorType::Call) {
            return self.enroll_phone(
                ctx,
                u,
                factor_type,
                provider,
                &profile,
                activate,
                update_phone,
                lifetime,
            );
        }

        let user = self.users.get(u).ok_or_else(Fail::internal)?;
        if user
            .factors
            .iter()
            .any(|f| f.factor_type() == factor_type && f.provider == provider)
        {
            return Err(Fail::enroll("A factor of this type is already set up."));
        }

        let now = ctx.now;
        let mut status = FactorStatus::PendingActivation;
        let mut vendor_name = provider.as_str().to_owned();
        let kind = match factor_type {
            FactorType::Email => {
                let email = required(profile.email.as_deref(), "email")?;
                if !email.eq_ignore_ascii_case(&user.email) {
                    return Err(Fail::validation_summary(
                        "Only verified primary or secondary email can be enrolled.",
                    ));
                }
                if activate {
                    status = FactorStatus::Active;
                }
                Kind::Email {
                    email: email.to_owned(),
                }
            }
            FactorType::Question => {
                let question = required(profile.question.as_deref(), "question")?;
                if question_text(question).is_none() {
                    return Err(Fail::enroll(format!(
                        "question: {question} is not a supported security question"
                    )));
                }
                let answer = profile
                    .answer
                    .as_ref()
                    .map(|a| a.expose().trim().to_owned())
                    .unwrap_or_default();
                if answer.chars().count() < 4 {
                    return Err(Fail::enroll(
                        "answer: The security question answer must be at least 4 characters in length",
                    ));
                }
                status = FactorStatus::Active;
                Kind::Question {
                    question: question.to_owned(),
                    answer,
                }
            }
            FactorType::TokenSoftwareTotp => {
                let secret = data_encoding::BASE32_NOPAD.encode(&self.rng.bytes(20));
                Kind::Totp {
                    secret,
                    qr_token: format!("00{}", self.rng.base64url(40)),
                    last_counter: None,
                }
            }
            FactorType::Push => Kind::Push {
                activation: self.new_device_activation(now),
                activated: false,
            },
            FactorType::Web => Kind::Web {
                activation: self.new_device_activation(now),
            },
            FactorType::TokenHotp => {
                let profile_id = required(body.factor_profile_id.as_deref(), "factorProfileId")?;
                let secret = profile
                    .shared_secret
                    .as_ref()
                    .map(|s| s.expose().trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| Fail::enroll("sharedSecret: The field cannot be left blank"))?;
                status = FactorStatus::Active;
                vendor_name = "Custom TOTP".to_owned();
                Kind::Hotp {
                    key: hotp_key(&secret),
                    factor_profile_id: profile_id.to_owned(),
                    last_counter: None,
                }
            }
            FactorType::Token => {
                let credential_id = required(profile.credential_id.as_deref(), "credentialId")?;
                let code = enrollment_pass_code(&body)?;
                if !valid_token_code(&code) {
                    return Err(Fail::invalid_passcode());
                }
                status = FactorStatus::Active;
                Kind::Token {
                    credential_id: credential_id.to_owned(),
                    last_code: Some(code),
                }
            }
            FactorType::TokenHardware => {
                let code = enrollment_pass_code(&body)?;
                if !valid_yubikey_otp(&code) {
                    return Err(Fail::invalid_passcode());
                }
                status = FactorStatus::Active;
                Kind::Hardware {
                    credential_id: yubikey_serial(&code),
                    last_code: Some(code),
                }
            }
            FactorType::U2f => Kind::U2f {
                nonce: self.rng.alnum(20),
                credential_id: None,
            },
            FactorType::WebAuthn => Kind::WebAuthn {
                challenge: self.rng.alnum(20),
                credential_id: None,
            },
            _ => return Err(Fail::enroll("factorType: unsupported factor type")),
        };
        let id = self.new_id(id_prefix(&factor_type, &provider));
        let active = status == FactorStatus::Active;
        let factor = FactorState::new(id, provider, vendor_name, kind, active, now);
        let user = self.users.get_mut(u).ok_or_else(Fail::internal)?;
        user.factors.push(factor);
        let f = user.factors.len() - 1;
        let needs_otp = user
            .factors
            .get(f)
            .is_some_and(|f| f.status != FactorStatus::Active && f.kind.otp_target().is_some());
        if needs_otp {
            if let Err(fail) = self.send_otp(u, f, lifetime, now) {
                if let Some(user) = self.users.get_mut(u) {
                    user.factors.pop();
                }
                return Err(fail);
            }
        }
        self.factor_reply(ctx, u, f)
    }

    fn new_device_activation(&mut self, now: std::time::SystemTime) -> DeviceActivation {
        DeviceActivation {
            expires_at: add(now, self.config.push_activation_expiry),
            token: format!("00{}", self.rng.base64url(40)),
        }
    }

    /// sms and call: one phone per type; `updatePhone` replaces a phone that
    /// no active factor uses.
    #[allow(clippy::too_many_arguments)]
    fn enroll_phone(
        &mut self,
        ctx: &Ctx<'_>,
        u: usize,
        factor_type: FactorType,
        provider: FactorProvider,
        profile: &EnrollmentProfile,
        activate: bool,
        update_phone: bool,
        lifetime: Duration,
    ) -> Outcome {
        let now = ctx.now;
        let phone = required(profile.phone_number.as_deref(), "phoneNumber")?.to_owned();
        if !valid_phone(&phone) {
            return Err(Fail::enroll("Invalid Phone Number."));
        }
        let extension = profile
            .phone_extension
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned);
        let channel = if factor_type == FactorType::Call {
            Channel::Call
        } else {
            Channel::Sms
        };
        let normalized = normalize_phone(&phone);
        let existing_phone = "There is an existing verified phone number.";

        let user = self.users.get_mut(u).ok_or_else(Fail::internal)?;
        let existing = user
            .factors
            .iter()
            .position(|f| f.factor_type() == factor_type && f.provider == provider);
        if let Some(f) = existing {
            let factor = user.factors.get_mut(f).ok_or_else(Fail::internal)?;
            let current = factor
                .kind
                .otp_target()
                .map(|(_, p)| normalize_phone(p))
                .unwrap_or_default();
            if current == normalized {
                return Err(Fail::enroll("A factor of this type is already set up."));
            }
            // `updatePhone` is ignored when an active factor uses the phone.
            if !update_phone || factor.is_active() {
                return Err(Fail::enroll(existing_phone));
            }
            let previous = std::mem::replace(
                &mut factor.kind,
                match channel {
                    Channel::Call => Kind::Call {
                        phone: phone.clone(),
                        extension,
                    },
                    _ => Kind::Sms {
                        phone: phone.clone(),
                    },
                },
            );
            factor.otp = None;
            factor.last_updated = now;
            if activate {
                factor.status = FactorStatus::Active;
                let id = factor.id.clone();
                user.phones.retain(|p| p.kind != channel);
                user.phones.push(VerifiedPhone {
                    id,
                    number: phone,
                    kind: channel,
                });
            } else if let Err(fail) = self.send_otp(u, f, lifetime, now) {
                if let Some(factor) = self.users.get_mut(u).and_then(|u| u.factors.get_mut(f)) {
                    factor.kind = previous;
                }
                return Err(fail);
            } else if let Some(user) = self.users.get_mut(u) {
                user.phones.retain(|p| p.kind != channel);
            }
            return self.factor_reply(ctx, u, f);
        }
        let other_phone = user
            .phones
            .iter()
            .any(|p| p.kind == channel && normalize_phone(&p.number) != normalized);
        if other_phone {
            if !update_phone {
                return Err(Fail::enroll(existing_phone));
            }
            user.phones.retain(|p| p.kind != channel);
        }
        let id = self.new_id(id_prefix(&factor_type, &provider));
        let kind = match channel {
            Channel::Call => Kind::Call {
                phone: phone.clone(),
                extension,
            },
            _ => Kind::Sms {
                phone: phone.clone(),
            },
        };
        let vendor_name = provider.as_str().to_owned();
        let factor = FactorState::new(id.clone(), provider, vendor_name, kind, activate, now);
        let user = self.users.get_mut(u).ok_or_else(Fail::internal)?;
        user.factors.push(factor);
        let f = user.factors.len() - 1;
        if activate {
            if !user.phones.iter().any(|p| p.kind == channel) {
                user.phones.push(VerifiedPhone {
                    id,
                    number: phone,
                    kind: channel,
                });
            }
        } else if let Err(fail) = self.send_otp(u, f, lifetime, now) {
            if let Some(user) = self.users.get_mut(u) {
                user.factors.pop();
            }
            return Err(fail);
        }
        self.factor_reply(ctx, u, f)
    }

    /// `200` with factor `f` of user `u`.
    pub(crate) fn factor_reply(&self, ctx: &Ctx<'_>, u: usize, f: usize) -> Outcome {
        let user = self.users.get(u).ok_or_else(Fail::internal)?;
        let factor = user.factors.get(f).ok_or_else(Fail::internal)?;
        let urls = ctx.urls(&user.id);
        json(StatusCode::OK, &render_factor(factor, user, &urls, ctx.now))
    }
}

/// `verify.passCode` of a token enrollment.
fn enrollment_pass_code(body: &FactorEnrollment) -> Result<String, Fail> {
    body.verify
        .as_ref()
        .and_then(|v| v.pass_code.as_ref())
        .map(|c| c.expose().trim().to_owned())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| Fail::enroll("verify.passCode: The field cannot be left blank"))
}
