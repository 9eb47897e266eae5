//! List, get and unenroll factors; the catalog; the security questions.

use http::StatusCode;
use okta_factors_core::model::{
    CatalogPhone, Embedded, FactorStatus, FactorType, LinkSet, SecurityQuestion, SmsProfile,
    SupportedFactor, UserFactor,
};

use super::render::{normalize_phone, render_factor};
use super::{json, link, links, Ctx, Fail, Outcome, Reply};
use crate::control::Channel;
use crate::questions::QUESTIONS;
use crate::sim::Simulator;
use crate::state::Kind;

impl Simulator {
    /// `GET …/factors`.
    pub(crate) fn list_factors(&self, ctx: &Ctx<'_>, user_id: &str) -> Outcome {
        let user = self.user_ref(user_id)?;
        let urls = ctx.urls(user_id);
        let factors: Vec<UserFactor> = user
            .factors
            .iter()
            .map(|f| render_factor(f, user, &urls, ctx.now))
            .collect();
        json(StatusCode::OK, &factors)
    }

    /// `GET …/factors/{factorId}`.
    pub(crate) fn get_factor(&self, ctx: &Ctx<'_>, user_id: &str, factor_id: &str) -> Outcome {
        let (u, f) = self.locate(user_id, factor_id)?;
        self.factor_reply(ctx, u, f)
    }

    /// `DELETE …/factors/{factorId}`: `204`. Unenrolling `push` or
    /// `signed_nonce` (FastPass) also unenrolls the user's other Okta Verify
    /// factors: `token:software:totp` of provider `OKTA`, `push` and
    /// `signed_nonce` (spec, `unenrollFactor`); `removeRecoveryEnrollment=true`
    /// also forgets an sms/call phone as a verified (recovery) phone.
    pub(crate) fn unenroll(&mut self, ctx: &Ctx<'_>, user_id: &str, factor_id: &str) -> Outcome {
        let (u, f) = self.locate(user_id, factor_id)?;
        let remove_recovery = ctx.query.flag("removeRecoveryEnrollment");
        let user = self.users.get_mut(u).ok_or_else(Fail::internal)?;
        let factor = user.factors.remove(f);
        let mut removed = vec![factor.id.clone()];
        match &factor.kind {
            Kind::Push { .. } | Kind::SignedNonce { .. } => {
                // Okta Verify goes as a whole: its TOTP (provider OKTA; a
                // Google Authenticator TOTP stays), push and FastPass.
                user.factors.retain(|other| {
                    let okta_verify = match other.kind {
                        Kind::Totp { .. } => {
                            other.provider == okta_factors_core::model::FactorProvider::Okta
                        }
                        Kind::Push { .. } | Kind::SignedNonce { .. } => true,
                        _ => false,
                    };
                    if okta_verify {
                        removed.push(other.id.clone());
                    }
                    !okta_verify
                });
            }
            Kind::Sms { phone } | Kind::Call { phone, .. } if remove_recovery => {
                let channel = if matches!(factor.kind, Kind::Sms { .. }) {
                    Channel::Sms
                } else {
                    Channel::Call
                };
                let number = normalize_phone(phone);
                user.phones
                    .retain(|p| !(p.kind == channel && normalize_phone(&p.number) == number));
            }
            _ => {}
        }
        self.transactions
            .retain(|t| !(t.user_id == user_id && removed.contains(&t.factor_id)));
        Ok(Reply::no_content())
    }

    /// `GET …/factors/catalog`.
    pub(crate) fn catalog(&self, ctx: &Ctx<'_>, user_id: &str) -> Outcome {
        let user = self.user_ref(user_id)?;
        let urls = ctx.urls(user_id);
        let mut entries = Vec::new();
        for (factor_type, provider, requirement) in &self.catalog {
            let mut entry = SupportedFactor::default();
            entry.factor_type = Some(factor_type.clone());
            entry.provider = Some(provider.clone());
            entry.vendor_name = Some(provider.as_str().to_owned());
            entry.status = Some(
                user.factors
                    .iter()
                    .find(|f| f.factor_type() == *factor_type && f.provider == *provider)
                    .map(|f| f.status.clone())
                    .unwrap_or(FactorStatus::NotSetup),
            );
            entry.enrollment = Some(requirement.clone());
            let mut rels = Vec::new();
            if *factor_type == FactorType::Question {
                rels.push(("questions", LinkSet::One(link(urls.questions(), &["GET"]))));
            }
            rels.push(("enroll", LinkSet::One(link(urls.factors(), &["POST"]))));
            entry.links = Some(links(rels));
            if *factor_type == FactorType::Sms {
                let phones = self.phones_of(user_id);
                if !phones.is_empty() {
                    let mut embedded = Embedded::default();
                    embedded.phones = Some(phones);
                    entry.embedded = Some(Box::new(embedded));
                }
            }
            entries.push(entry);
        }
        json(StatusCode::OK, &entries)
    }

    /// The user's phones: verified ones (`ACTIVE`), then the phones of sms/call
    /// factors still waiting for activation.
    fn phones_of(&self, user_id: &str) -> Vec<CatalogPhone> {
        let Ok(user) = self.user_ref(user_id) else {
            return Vec::new();
        };
        let mut seen = Vec::new();
        let mut phones = Vec::new();
        let mut add = |id: &str, number: &str, status: FactorStatus| {
            let key = normalize_phone(number);
            if seen.contains(&key) {
                return;
            }
            seen.push(key);
            let mut profile = SmsProfile::default();
            profile.phone_number = Some(number.to_owned());
            let mut phone = CatalogPhone::default();
            phone.id = Some(id.to_owned());
            phone.profile = Some(profile);
            phone.status = Some(status);
            phones.push(phone);
        };
        for phone in &user.phones {
            add(&phone.id, &phone.number, FactorStatus::Active);
        }
        for factor in &user.factors {
            if let Kind::Sms { phone } | Kind::Call { phone, .. } = &factor.kind {
                add(&factor.id, phone, factor.status.clone());
            }
        }
        phones
    }

    /// `GET …/factors/questions`.
    pub(crate) fn questions(&self, user_id: &str) -> Outcome {
        self.user_ref(user_id)?;
        let questions: Vec<SecurityQuestion> = QUESTIONS
            .iter()
            .map(|(key, text)| {
                let mut q = SecurityQuestion::default();
                q.question = Some((*key).to_owned());
                q.question_text = Some((*text).to_owned());
                q
            })
            .collect();
        json(StatusCode::OK, &questions)
    }
}
