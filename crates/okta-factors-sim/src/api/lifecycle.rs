//! Activation (`…/lifecycle/activate`, its `poll` and `send` links), resend,
//! and OTP delivery.

use std::time::{Duration, SystemTime};

use http::StatusCode;
use okta_factors_core::model::{FactorEnrollment, FactorStatus};
use okta_factors_core::operations::ActivateFactorRequest;

use super::render::{activation_waiting, normalize_phone};
use super::{json, Ctx, Fail, Outcome};
use crate::config::SimulatorConfig;
use crate::control::{Channel, SentMessage};
use crate::sim::Simulator;
use crate::state::{add, FactorState, Kind, Otp, VerifiedPhone};
use crate::timefmt::unix_secs;

/// Records an activation attempt; `429 E0000047` beyond the configured number
/// of attempts per window.
fn note_activation_attempt(
    config: &SimulatorConfig,
    factor: &mut FactorState,
    now: SystemTime,
) -> Result<(), Fail> {
    if activation_locked(config, factor, now) {
        return Err(Fail::rate_limited());
    }
    factor.activation_attempts.push(now);
    Ok(())
}

/// Whether the factor used up its activation attempts (recent ones only).
fn activation_locked(config: &SimulatorConfig, factor: &mut FactorState, now: SystemTime) -> bool {
    let window = config.activation_attempt_window;
    factor.activation_attempts.retain(|t| {
        now.duration_since(*t)
            .map(|elapsed| elapsed < window)
            .unwrap_or(true)
    });
    factor.activation_attempts.len() >= config.activation_attempts as usize
}

fn non_empty(value: Option<&String>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}

/// Constant-time comparison of two codes.
pub(crate) fn code_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Simulator {
    /// Sends a new OTP for OTP factor `f` of user `u`, unless one went to the
    /// same phone number (or address) too recently.
    pub(crate) fn send_otp(
        &mut self,
        u: usize,
        f: usize,
        lifetime: Duration,
        now: SystemTime,
    ) -> Result<(), Fail> {
        let user = self.users.get_mut(u).ok_or_else(Fail::internal)?;
        let factor = user.factors.get_mut(f).ok_or_else(Fail::internal)?;
        let (channel, to) = factor
            .kind
            .otp_target()
            .map(|(c, to)| (c, to.to_owned()))
            .ok_or_else(Fail::internal)?;
        let (key, interval) = match channel {
            Channel::Email => (to.to_ascii_lowercase(), self.config.email_resend_interval),
            _ => (normalize_phone(&to), self.config.phone_resend_interval),
        };
        if let Some(last) = self.throttles.get(&(channel, key.clone())) {
            let recent = now
                .duration_since(*last)
                .map(|elapsed| elapsed < interval)
                .unwrap_or(false);
            if recent {
                let seconds = interval.as_secs().max(1);
                return Err(match channel {
                    Channel::Sms => Fail::sms_recently_sent(seconds),
                    Channel::Email => Fail::email_recently_sent(seconds),
                    Channel::Call => Fail::rate_limited(),
                });
            }
        }
        let code = self.rng.digits(6);
        factor.otp = Some(Otp {
            code: code.clone(),
            expires_at: add(now, lifetime),
        });
        user.outbox.push(SentMessage {
            channel,
            to,
            code,
            factor_id: factor.id.clone(),
        });
        self.throttles.insert((channel, key), now);
        Ok(())
    }

    /// `POST …/lifecycle/activate` (and `…/lifecycle/activate/poll`).
    pub(crate) fn activate(
        &mut self,
        ctx: &Ctx<'_>,
        user_id: &str,
        factor_id: &str,
        poll: bool,
    ) -> Outcome {
        let (u, f) = self.locate(user_id, factor_id)?;
        let body: ActivateFactorRequest = ctx
            .optional_body("activateFactorRequest")?
            .unwrap_or_default();
        let now = ctx.now;
        let expiry = self.config.push_activation_expiry;
        let window = self.config.totp_window_steps;
        let user = self.users.get_mut(u).ok_or_else(Fail::internal)?;
        let factor = user.factors.get_mut(f).ok_or_else(Fail::internal)?;

        // Push and Duo: the device completes the activation; until then the
        // activation waits (and `activate` restarts an expired one).
        if let Kind::Push { activation, .. } | Kind::Web { activation } = &mut factor.kind {
            if factor.status == FactorStatus::Active {
                return self.factor_reply(ctx, u, f);
            }
            if !poll && now >= activation.expires_at {
                activation.expires_at = add(now, expiry);
                activation.token = format!("00{}", self.rng.base64url(40));
                factor.last_updated = now;
            }
            let urls = ctx.urls(user_id);
            return json(
                StatusCode::OK,
                &activation_waiting(&factor.id, activation, &urls, now),
            );
        }
        // Okta FastPass is activated by Okta Verify's own enrollment, never
        // through this API (spec, `activateFactor`).
        if matches!(factor.kind, Kind::SignedNonce { .. }) {
            return Err(Fail::factor_state("This factor cannot be activated."));
        }
        if factor.is_active() {
            return Err(Fail::factor_state("The factor is already active."));
        }
        note_activation_attempt(&self.config, factor, now)?;
        let pass_code = body
            .pass_code
            .as_ref()
            .map(|c| c.expose().trim().to_owned())
            .unwrap_or_default();
        let ok = match &mut factor.kind {
            Kind::Sms { .. } | Kind::Call { .. } | Kind::Email { .. } => factor
                .otp
                .as_ref()
                .is_some_and(|otp| now < otp.expires_at && code_eq(&otp.code, &pass_code)),
            Kind::Totp { .. } => {
                let counter = factor
                    .totp()
                    .and_then(|totp| totp.verify(&pass_code, unix_secs(now), window));
                if let (Some(counter), Kind::Totp { last_counter, .. }) =
                    (counter, &mut factor.kind)
                {
                    *last_counter = Some(counter);
                }
                counter.is_some()
            }
            Kind::U2f { credential_id, .. } => {
                let ok = non_empty(body.registration_data.as_ref())
                    && non_empty(body.client_data.as_ref());
                if ok {
                    *credential_id = Some(self.rng.base64url(86));
                }
                ok
            }
            Kind::WebAuthn { credential_id, .. } => {
                let ok =
                    non_empty(body.attestation.as_ref()) && non_empty(body.client_data.as_ref());
                if ok {
                    *credential_id = Some(self.rng.base64url(86));
                }
                ok
            }
            _ => return Err(Fail::factor_state("This factor cannot be activated.")),
        };
        if !ok {
            return Err(Fail::invalid_passcode());
        }
        factor.status = FactorStatus::Active;
        factor.last_updated = now;
        factor.otp = None;
        factor.activation_attempts.clear();
        let verified = match &factor.kind {
            Kind::Sms { phone } => Some((Channel::Sms, phone.clone())),
            Kind::Call { phone, .. } => Some((Channel::Call, phone.clone())),
            _ => None,
        };
        let id = factor.id.clone();
        if let Some((kind, number)) = verified {
            user.phones.retain(|p| p.kind != kind);
            user.phones.push(VerifiedPhone { id, number, kind });
        }
        self.factor_reply(ctx, u, f)
    }

    /// `POST …/lifecycle/activate/{sms|email}`: sends the push activation link
    /// (recorded in the outbox with the activation token as its code).
    pub(crate) fn send_activation(
        &mut self,
        ctx: &Ctx<'_>,
        user_id: &str,
        factor_id: &str,
        channel: Channel,
    ) -> Outcome {
        let (u, f) = self.locate(user_id, factor_id)?;
        let body: Option<FactorEnrollment> = ctx.optional_body("factor")?;
        let now = ctx.now;
        let user = self.users.get_mut(u).ok_or_else(Fail::internal)?;
        let to = match channel {
            Channel::Email => Some(user.email.clone()),
            _ => body
                .as_ref()
                .and_then(|b| b.profile.as_ref())
                .and_then(|p| p.phone_number.clone())
                .or_else(|| user.phones.first().map(|p| p.number.clone())),
        }
        .ok_or_else(|| Fail::validation("factor", "phoneNumber: The field cannot be left blank"))?;
        let factor = user.factors.get_mut(f).ok_or_else(Fail::internal)?;
        let Kind::Push { activation, .. } = &factor.kind else {
            return Err(Fail::factor_state(
                "The factor is not waiting for a device activation.",
            ));
        };
        if factor.is_active() || now >= activation.expires_at {
            return Err(Fail::factor_state(
                "The factor is not waiting for a device activation.",
            ));
        }
        user.outbox.push(SentMessage {
            channel,
            to,
            code: activation.token.clone(),
            factor_id: factor.id.clone(),
        });
        let urls = ctx.urls(user_id);
        json(
            StatusCode::OK,
            &activation_waiting(&factor.id, activation, &urls, now),
        )
    }

    /// `POST …/resend`: a new OTP for an sms/call/email enrollment.
    pub(crate) fn resend(&mut self, ctx: &Ctx<'_>, user_id: &str, factor_id: &str) -> Outcome {
        let (u, f) = self.locate(user_id, factor_id)?;
        let body: FactorEnrollment = ctx.required_body("factor")?;
        let now = ctx.now;
        let lifetime = self.config.otp_lifetime;
        let factor = self
            .users
            .get_mut(u)
            .and_then(|user| user.factors.get_mut(f))
            .ok_or_else(Fail::internal)?;
        if factor.kind.otp_target().is_none() {
            return Err(Fail::factor_state(
                "Only sms, call and email factors can resend a challenge.",
            ));
        }
        if body
            .factor_type
            .as_ref()
            .is_some_and(|t| *t != factor.factor_type())
        {
            return Err(Fail::validation(
                "factor",
                "factorType: does not match the enrolled factor",
            ));
        }
        if factor.is_active() {
            return Err(Fail::factor_state("The factor is already active."));
        }
        if activation_locked(&self.config, factor, now) {
            return Err(Fail::rate_limited());
        }
        self.send_otp(u, f, lifetime, now)?;
        self.factor_reply(ctx, u, f)
    }
}
