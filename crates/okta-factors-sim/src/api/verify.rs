//! `POST …/verify` and push transactions (`GET`/`DELETE …/transactions/{id}`).

use http::StatusCode;
use okta_factors_core::model::{Challenge, Embedded, FactorResult, VerifyResponse};
use okta_factors_core::operations::VerifyFactorRequest;
use serde_json::json;

use super::enroll::{valid_token_code, valid_yubikey_otp};
use super::lifecycle::code_eq;
use super::render::{
    profile_map, result_only, transaction_links, verify_links, AUTHENTICATOR_NAME,
};
use super::{json, Ctx, Fail, Outcome, Reply};
use crate::sim::Simulator;
use crate::state::{add, Kind, Transaction, TxState};
use crate::timefmt::{rfc3339_millis, unix_secs};

fn ok(response: &VerifyResponse) -> Outcome {
    json(StatusCode::OK, response)
}

fn challenge_embedded(challenge: Challenge) -> Box<Embedded> {
    let mut embedded = Embedded::default();
    embedded.challenge = Some(Box::new(challenge));
    Box::new(embedded)
}

fn filled(value: Option<&String>) -> bool {
    value.is_some_and(|v| !v.trim().is_empty())
}

/// Normalizes a security answer for comparison: trimmed, case-insensitive.
fn normalize_answer(answer: &str) -> String {
    answer.trim().to_lowercase()
}

impl Simulator {
    /// `POST …/verify`.
    pub(crate) fn verify(&mut self, ctx: &Ctx<'_>, user_id: &str, factor_id: &str) -> Outcome {
        let (u, f) = self.locate(user_id, factor_id)?;
        let body: VerifyFactorRequest = ctx
            .optional_body("verifyFactorRequest")?
            .unwrap_or_default();
        let lifetime = ctx.query.token_lifetime(self.config.otp_lifetime)?;
        let now = ctx.now;
        let urls = ctx.urls(user_id);
        let window = self.config.totp_window_steps;
        let pass_code = body
            .pass_code
            .as_ref()
            .map(|c| c.expose().trim().to_owned())
            .filter(|c| !c.is_empty());

        let user = self.users.get_mut(u).ok_or_else(Fail::internal)?;
        let login = user.login.clone();
        let factor = user.factors.get_mut(f).ok_or_else(Fail::internal)?;
        if !factor.is_active() {
            return Err(Fail::factor_state(
                "The factor is not active. Activate it before verifying it.",
            ));
        }
        let id = factor.id.clone();
        let hardware = matches!(factor.kind, Kind::Hardware { .. });
        match &mut factor.kind {
            Kind::Sms { .. } | Kind::Call { .. } | Kind::Email { .. } => {
                if let Some(code) = pass_code {
                    let valid = factor
                        .otp
                        .as_ref()
                        .is_some_and(|otp| now < otp.expires_at && code_eq(&otp.code, &code));
                    if !valid {
                        return Err(Fail::invalid_passcode());
                    }
                    factor.otp = None;
                    return ok(&result_only(FactorResult::Success));
                }
                let profile = match &factor.kind {
                    Kind::Sms { phone } => Some(profile_map(&[("phoneNumber", Some(phone))])),
                    Kind::Call { phone, extension } => Some(profile_map(&[
                        ("phoneNumber", Some(phone)),
                        ("phoneExtension", extension.as_deref()),
                    ])),
                    _ => None,
                };
                self.send_otp(u, f, lifetime, now)?;
                let mut response = result_only(FactorResult::Challenge);
                response.profile = profile;
                response.links = Some(verify_links(&id, &urls));
                ok(&response)
            }
            Kind::Question { answer, .. } => {
                let given = body
                    .answer
                    .as_ref()
                    .map(|a| normalize_answer(a.expose()))
                    .unwrap_or_default();
                if !given.is_empty() && code_eq(&given, &normalize_answer(answer)) {
                    ok(&result_only(FactorResult::Success))
                } else {
                    Err(Fail::invalid_answer())
                }
            }
            Kind::Totp { .. } | Kind::Hotp { .. } => {
                let code = pass_code.ok_or_else(Fail::invalid_passcode)?;
                let counter = factor
                    .totp()
                    .and_then(|totp| totp.verify(&code, unix_secs(now), window))
                    .ok_or_else(Fail::invalid_passcode)?;
                let (Kind::Totp { last_counter, .. } | Kind::Hotp { last_counter, .. }) =
                    &mut factor.kind
                else {
                    return Err(Fail::internal());
                };
                if last_counter.is_some_and(|last| counter <= last) {
                    return ok(&result_only(FactorResult::PasscodeReplayed));
                }
                *last_counter = Some(counter);
                ok(&result_only(FactorResult::Success))
            }
            Kind::Token { last_code, .. } | Kind::Hardware { last_code, .. } => {
                let code = pass_code.ok_or_else(Fail::invalid_passcode)?;
                let well_formed = if hardware {
                    valid_yubikey_otp(&code)
                } else {
                    valid_token_code(&code)
                };
                if !well_formed {
                    return Err(Fail::invalid_passcode());
                }
                if last_code.as_deref() == Some(code.as_str()) {
                    return ok(&result_only(FactorResult::PasscodeReplayed));
                }
                *last_code = Some(code);
                ok(&result_only(FactorResult::Success))
            }
            Kind::Push { .. } | Kind::Web { .. } => {
                let is_push = matches!(factor.kind, Kind::Push { .. });
                let number_matching = is_push && body.use_number_matching_challenge == Some(true);
                let transaction_id = format!("v2mst.{}", self.rng.base64url(22));
                let correct_answer = number_matching.then(|| self.rng.range(10, 99));
                let expires_at = add(now, self.config.push_expiry);
                self.transactions.push(Transaction {
                    id: transaction_id.clone(),
                    user_id: user_id.to_owned(),
                    factor_id: id.clone(),
                    expires_at,
                    state: TxState::Waiting,
                    correct_answer,
                    credential_id: login.clone(),
                });
                let mut response = VerifyResponse::default();
                response.expires_at = Some(rfc3339_millis(expires_at));
                response.factor_result = Some(FactorResult::Waiting);
                if !is_push {
                    response.profile = Some(profile_map(&[("credentialId", Some(&login))]));
                }
                response.links = Some(transaction_links(&id, &transaction_id, &urls));
                if let Some(answer) = correct_answer {
                    let mut challenge = Challenge::default();
                    challenge.correct_answer = Some(answer);
                    response.embedded = Some(challenge_embedded(challenge));
                }
                // Push answers 201 Created, unlike every other verify.
                let status = if is_push {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                };
                json(status, &response)
            }
            Kind::U2f {
                nonce,
                credential_id,
            } => {
                let profile = profile_map(&[
                    ("credentialId", credential_id.as_deref()),
                    ("version", Some("U2F_V2")),
                ]);
                if body.client_data.is_none() && body.signature_data.is_none() {
                    *nonce = self.rng.alnum(20);
                    let mut challenge = Challenge::default();
                    challenge.nonce = Some(nonce.clone());
                    challenge.timeout_seconds = Some(20);
                    let mut response = result_only(FactorResult::Challenge);
                    response.profile = Some(profile);
                    response.links = Some(verify_links(&id, &urls));
                    response.embedded = Some(challenge_embedded(challenge));
                    return ok(&response);
                }
                if !(filled(body.client_data.as_ref()) && filled(body.signature_data.as_ref())) {
                    return Err(Fail::invalid_passcode());
                }
                let mut response = result_only(FactorResult::Success);
                response.profile = Some(profile);
                ok(&response)
            }
            Kind::WebAuthn {
                challenge,
                credential_id,
            } => {
                let profile = profile_map(&[
                    ("credentialId", credential_id.as_deref()),
                    ("authenticatorName", Some(AUTHENTICATOR_NAME)),
                ]);
                if body.client_data.is_none()
                    && body.signature_data.is_none()
                    && body.authenticator_data.is_none()
                {
                    *challenge = self.rng.alnum(20);
                    let mut embedded = Challenge::default();
                    embedded.challenge = Some(challenge.clone());
                    embedded.extensions = Some(json!({}));
                    let mut response = result_only(FactorResult::Challenge);
                    response.profile = Some(profile);
                    response.links = Some(verify_links(&id, &urls));
                    response.embedded = Some(challenge_embedded(embedded));
                    return ok(&response);
                }
                let complete = filled(body.client_data.as_ref())
                    && filled(body.signature_data.as_ref())
                    && filled(body.authenticator_data.as_ref());
                if !complete {
                    return Err(Fail::invalid_passcode());
                }
                let mut response = result_only(FactorResult::Success);
                response.profile = Some(profile);
                ok(&response)
            }
            // Okta FastPass has no `verify` link: it is verified in Okta
            // Verify's own sign-in flow, not through this API. The answer is
            // the simulator's for an operation the factor does not allow
            // (as `activate` of a factor that cannot be activated).
            Kind::SignedNonce { .. } => Err(Fail::factor_state(
                "This factor cannot be verified with this API.",
            )),
        }
    }

    fn find_transaction(
        &self,
        user_id: &str,
        factor_id: &str,
        transaction_id: &str,
    ) -> Result<usize, Fail> {
        self.locate(user_id, factor_id)?;
        self.transactions
            .iter()
            .position(|t| {
                t.id == transaction_id && t.user_id == user_id && t.factor_id == factor_id
            })
            .ok_or_else(|| Fail::not_found(transaction_id, "Transaction"))
    }

    /// `GET …/transactions/{transactionId}`.
    pub(crate) fn transaction(
        &mut self,
        ctx: &Ctx<'_>,
        user_id: &str,
        factor_id: &str,
        transaction_id: &str,
    ) -> Outcome {
        let t = self.find_transaction(user_id, factor_id, transaction_id)?;
        let tx = self.transactions.get(t).ok_or_else(Fail::internal)?;
        let urls = ctx.urls(user_id);
        let profile = profile_map(&[("credentialId", Some(&tx.credential_id))]);
        let result = match tx.state {
            TxState::Waiting if tx.is_expired(ctx.now) => FactorResult::Timeout,
            TxState::Waiting => {
                let mut response = VerifyResponse::default();
                response.expires_at = Some(rfc3339_millis(tx.expires_at));
                response.factor_result = Some(FactorResult::Waiting);
                response.profile = Some(profile);
                response.links = Some(transaction_links(factor_id, transaction_id, &urls));
                if let Some(answer) = tx.correct_answer {
                    let mut challenge = Challenge::default();
                    challenge.correct_answer = Some(answer);
                    response.embedded = Some(challenge_embedded(challenge));
                }
                return ok(&response);
            }
            TxState::Success => return ok(&result_only(FactorResult::Success)),
            TxState::Rejected => FactorResult::Rejected,
            TxState::Cancelled => FactorResult::Cancelled,
        };
        let mut response = result_only(result);
        response.profile = Some(profile);
        response.links = Some(verify_links(factor_id, &urls));
        ok(&response)
    }

    /// `DELETE …/transactions/{transactionId}` (the `cancel` link): a waiting
    /// push becomes `CANCELLED`. `204`.
    pub(crate) fn cancel_transaction(
        &mut self,
        ctx: &Ctx<'_>,
        user_id: &str,
        factor_id: &str,
        transaction_id: &str,
    ) -> Outcome {
        let t = self.find_transaction(user_id, factor_id, transaction_id)?;
        if let Some(tx) = self.transactions.get_mut(t) {
            if tx.state == TxState::Waiting && !tx.is_expired(ctx.now) {
                tx.state = TxState::Cancelled;
            }
        }
        Ok(Reply::no_content())
    }
}
