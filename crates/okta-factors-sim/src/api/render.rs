//! Turning state into the wire shapes, with the core's models.

use std::time::SystemTime;

use okta_factors_core::model::{
    Activation, CallProfile, EmailProfile, Embedded, Factor, FactorResult, FactorStatus,
    HotpProfile, LinkSet, Links, PushProfile, QuestionProfile, SignedNonceKey, SignedNonceProfile,
    SmsProfile, TokenProfile, U2fProfile, UserFactor, VerifyResponse, WebAuthnProfile, WebProfile,
};
use okta_factors_core::Secret;
use serde_json::{json, Map, Value};

use super::{link, links, named, qr_link, Urls};
use crate::questions::question_text;
use crate::state::{DeviceActivation, FactorState, Kind, User};
use crate::timefmt::rfc3339_millis;

const GET: &[&str] = &["GET"];
const POST: &[&str] = &["POST"];
const GET_DELETE: &[&str] = &["GET", "DELETE"];

/// The simulated Okta Verify device.
pub(crate) const DEVICE_TYPE: &str = "SmartPhone_IPhone";
pub(crate) const DEVICE_NAME: &str = "Simulated iPhone";
pub(crate) const DEVICE_PLATFORM: &str = "IOS";
pub(crate) const DEVICE_VERSION: &str = "9.0";
/// The OS version of the simulated device in a FastPass (`signed_nonce`)
/// profile, where Okta gives the OS's version (the spec's example value),
/// not Okta Verify's as in a push profile.
pub(crate) const DEVICE_OS_VERSION: &str = "17.2";
/// The simulated WebAuthn authenticator.
pub(crate) const AUTHENTICATOR_NAME: &str = "Simulated Authenticator";
/// The simulated Duo host.
pub(crate) const DUO_HOST: &str = "api-sim.duosecurity.com";

/// `+` and the digits of a phone number (`+1-555-415-1337` → `+15554151337`).
pub(crate) fn normalize_phone(phone: &str) -> String {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    format!("+{digits}")
}

fn one(link: okta_factors_core::model::Link) -> LinkSet {
    LinkSet::One(link)
}

/// `_links` of a factor.
fn factor_links(f: &FactorState, urls: &Urls) -> Links {
    let mut entries = Vec::new();
    if f.status == FactorStatus::Active {
        if matches!(f.kind, Kind::Question { .. }) {
            entries.push(("questions", one(link(urls.questions(), GET))));
        } else if matches!(f.kind, Kind::SignedNonce { .. }) {
            // FastPass cannot be verified through this API: a real org
            // gives it only `self` and `user` (vector 07).
        } else {
            entries.push(("verify", one(link(urls.sub(&f.id, "verify"), POST))));
        }
        entries.push(("self", one(link(urls.factor(&f.id), GET_DELETE))));
    } else {
        match &f.kind {
            Kind::Push { .. } | Kind::Web { .. } => entries.push((
                "poll",
                one(link(urls.sub(&f.id, "lifecycle/activate/poll"), POST)),
            )),
            _ => entries.push((
                "activate",
                one(link(urls.sub(&f.id, "lifecycle/activate"), POST)),
            )),
        }
        if let Some((channel, _)) = f.kind.otp_target() {
            entries.push((
                "resend",
                LinkSet::Many(vec![named(
                    channel.as_str(),
                    urls.sub(&f.id, "resend"),
                    POST,
                )]),
            ));
        }
        entries.push(("self", one(link(urls.factor(&f.id), GET))));
    }
    entries.push(("user", one(link(urls.user(), GET))));
    links(entries)
}

/// `_links` of a waiting push activation (`poll`, `qrcode`, `send`).
pub(crate) fn activation_links(
    factor_id: &str,
    activation: &DeviceActivation,
    urls: &Urls,
    with_poll: bool,
) -> Links {
    let mut entries = Vec::new();
    if with_poll {
        entries.push((
            "poll",
            one(link(urls.sub(factor_id, "lifecycle/activate/poll"), POST)),
        ));
    }
    entries.push((
        "qrcode",
        one(qr_link(
            urls.sub(factor_id, &format!("qr/{}", activation.token)),
        )),
    ));
    entries.push((
        "send",
        LinkSet::Many(vec![
            named(
                "email",
                urls.sub(factor_id, "lifecycle/activate/email"),
                POST,
            ),
            named("sms", urls.sub(factor_id, "lifecycle/activate/sms"), POST),
        ]),
    ));
    links(entries)
}

/// The body of a push activation that waits (or timed out): what
/// `lifecycle/activate` answers until the device is activated.
pub(crate) fn activation_waiting(
    factor_id: &str,
    activation: &DeviceActivation,
    urls: &Urls,
    now: SystemTime,
) -> VerifyResponse {
    let mut response = VerifyResponse::default();
    if now >= activation.expires_at {
        response.factor_result = Some(FactorResult::Timeout);
        response.links = Some(links(vec![(
            "activate",
            one(link(urls.sub(factor_id, "lifecycle/activate"), POST)),
        )]));
    } else {
        response.expires_at = Some(rfc3339_millis(activation.expires_at));
        response.factor_result = Some(FactorResult::Waiting);
        response.links = Some(activation_links(factor_id, activation, urls, true));
    }
    response
}

fn embedded_activation(activation: Activation) -> Embedded {
    let mut embedded = Embedded::default();
    embedded.activation = Some(Box::new(activation));
    embedded
}

/// `_embedded` of a factor waiting for activation.
fn factor_embedded(f: &FactorState, user: &User, urls: &Urls, now: SystemTime) -> Option<Embedded> {
    if f.status == FactorStatus::Active {
        return None;
    }
    match &f.kind {
        Kind::Totp {
            secret, qr_token, ..
        } => {
            let mut activation = Activation::default();
            activation.time_step = Some(30);
            activation.shared_secret = Some(Secret::new(secret.as_str()));
            activation.encoding = Some("base32".to_owned());
            activation.key_length = Some(6);
            let qr = links(vec![(
                "qrcode",
                one(qr_link(urls.sub(&f.id, &format!("qr/{qr_token}")))),
            )]);
            // As the spec examples: Okta Verify puts the QR code next to the
            // activation, Google Authenticator inside it.
            if f.provider == okta_factors_core::model::FactorProvider::Google {
                activation.links = Some(qr);
                Some(embedded_activation(activation))
            } else {
                let mut embedded = embedded_activation(activation);
                embedded.links = Some(qr);
                Some(embedded)
            }
        }
        Kind::Push { activation: a, .. } => {
            let mut activation = Activation::default();
            activation.expires_at = Some(rfc3339_millis(a.expires_at));
            activation.factor_result = Some(if now >= a.expires_at {
                FactorResult::Timeout
            } else {
                FactorResult::Waiting
            });
            activation.links = Some(activation_links(&f.id, a, urls, false));
            Some(embedded_activation(activation))
        }
        Kind::Web { activation: a } => {
            let mut activation = Activation::default();
            activation.factor_result = Some(if now >= a.expires_at {
                FactorResult::Timeout
            } else {
                FactorResult::Waiting
            });
            activation.expires_at = Some(rfc3339_millis(a.expires_at));
            activation
                .extra
                .insert("host".to_owned(), Value::from(DUO_HOST));
            activation.extra.insert(
                "signature".to_owned(),
                Value::from(format!("TX|{}|{}", user.login, a.token)),
            );
            activation.links = Some(links(vec![(
                "complete",
                one(link(urls.sub(&f.id, "lifecycle/duoCallback"), POST)),
            )]));
            Some(embedded_activation(activation))
        }
        Kind::U2f { nonce, .. } => {
            let mut activation = Activation::default();
            activation.version = Some("U2F_V2".to_owned());
            activation.nonce = Some(nonce.clone());
            activation.timeout_seconds = Some(20);
            Some(embedded_activation(activation))
        }
        Kind::WebAuthn { challenge, .. } => {
            let mut activation = Activation::default();
            activation.attestation = Some("direct".to_owned());
            activation.authenticator_selection =
                Some(json!({"userVerification": "preferred", "requireResidentKey": false}));
            activation.challenge = Some(challenge.clone());
            activation.exclude_credentials = Some(Vec::new());
            activation.pub_key_cred_params = Some(vec![
                json!({"type": "public-key", "alg": -7}),
                json!({"type": "public-key", "alg": -257}),
            ]);
            activation.rp = Some(json!({"name": "Okta Factors Simulator"}));
            activation.user = Some(json!({
                "displayName": user.login, "name": user.login, "id": user.id
            }));
            Some(embedded_activation(activation))
        }
        _ => None,
    }
}

fn envelope<P>(f: &FactorState, profile: Option<P>, urls: &Urls) -> Factor<P> {
    let mut out = Factor::default();
    out.id = Some(f.id.clone());
    out.provider = Some(f.provider.clone());
    out.vendor_name = Some(f.vendor_name.clone());
    out.status = Some(f.status.clone());
    out.created = Some(rfc3339_millis(f.created));
    out.last_updated = Some(rfc3339_millis(f.last_updated));
    out.profile = profile;
    out.links = factor_links(f, urls);
    out
}

/// The factor as Okta returns it from enroll, get, list, activate and resend.
pub(crate) fn render_factor(
    f: &FactorState,
    user: &User,
    urls: &Urls,
    now: SystemTime,
) -> UserFactor {
    let embedded = factor_embedded(f, user, urls, now).map(Box::new);
    let mut factor = match &f.kind {
        Kind::Sms { phone } => {
            let mut p = SmsProfile::default();
            p.phone_number = Some(phone.clone());
            UserFactor::Sms(envelope(f, Some(p), urls))
        }
        Kind::Call { phone, extension } => {
            let mut p = CallProfile::default();
            p.phone_number = Some(phone.clone());
            p.phone_extension = extension.clone();
            UserFactor::Call(envelope(f, Some(p), urls))
        }
        Kind::Email { email } => {
            let mut p = EmailProfile::default();
            p.email = Some(email.clone());
            UserFactor::Email(envelope(f, Some(p), urls))
        }
        Kind::Question { question, .. } => {
            let mut p = QuestionProfile::default();
            p.question = Some(question.clone());
            p.question_text = question_text(question).map(str::to_owned);
            UserFactor::Question(envelope(f, Some(p), urls))
        }
        Kind::Totp { .. } => {
            let mut p = TokenProfile::default();
            p.credential_id = Some(user.login.clone());
            UserFactor::TokenSoftwareTotp(envelope(f, Some(p), urls))
        }
        Kind::Push { activated, .. } => {
            let profile = activated.then(|| {
                let mut p = PushProfile::default();
                p.credential_id = Some(user.login.clone());
                p.device_type = Some(DEVICE_TYPE.to_owned());
                p.name = Some(DEVICE_NAME.to_owned());
                p.platform = Some(DEVICE_PLATFORM.to_owned());
                p.version = Some(DEVICE_VERSION.to_owned());
                p
            });
            UserFactor::Push(envelope(f, profile, urls))
        }
        Kind::Hotp {
            factor_profile_id, ..
        } => {
            let mut factor = envelope::<HotpProfile>(f, None, urls);
            factor.factor_profile_id = Some(factor_profile_id.clone());
            UserFactor::TokenHotp(factor)
        }
        Kind::Token { credential_id, .. } => {
            let mut p = TokenProfile::default();
            p.credential_id = Some(credential_id.clone());
            UserFactor::Token(envelope(f, Some(p), urls))
        }
        Kind::Hardware { credential_id, .. } => {
            let mut p = TokenProfile::default();
            p.credential_id = Some(credential_id.clone());
            UserFactor::TokenHardware(envelope(f, Some(p), urls))
        }
        Kind::U2f { credential_id, .. } => {
            let profile = credential_id.as_ref().map(|id| {
                let mut p = U2fProfile::default();
                p.credential_id = Some(id.clone());
                p.version = Some("U2F_V2".to_owned());
                p
            });
            UserFactor::U2f(envelope(f, profile, urls))
        }
        Kind::WebAuthn { credential_id, .. } => {
            let profile = credential_id.as_ref().map(|id| {
                let mut p = WebAuthnProfile::default();
                p.credential_id = Some(id.clone());
                p.authenticator_name = Some(AUTHENTICATOR_NAME.to_owned());
                p
            });
            UserFactor::WebAuthn(envelope(f, profile, urls))
        }
        Kind::Web { .. } => {
            let mut p = WebProfile::default();
            p.credential_id = Some(user.login.clone());
            UserFactor::Web(envelope(f, Some(p), urls))
        }
        Kind::SignedNonce { keys } => {
            let mut p = SignedNonceProfile::default();
            p.credential_id = Some(user.login.clone());
            p.device_type = Some(DEVICE_TYPE.to_owned());
            p.name = Some(DEVICE_NAME.to_owned());
            p.platform = Some(DEVICE_PLATFORM.to_owned());
            p.version = Some(DEVICE_OS_VERSION.to_owned());
            p.keys = Some(
                keys.iter()
                    .map(|k| {
                        let mut jwk = SignedNonceKey::default();
                        jwk.kty = Some("EC".to_owned());
                        jwk.key_use = Some("sig".to_owned());
                        jwk.kid = Some("default".to_owned());
                        jwk.jwk_type = Some(k.jwk_type.to_owned());
                        jwk.x = Some(k.x.clone());
                        jwk.y = Some(k.y.clone());
                        jwk.crv = Some("P-256".to_owned());
                        jwk
                    })
                    .collect(),
            );
            UserFactor::SignedNonce(envelope(f, Some(p), urls))
        }
    };
    set_embedded(&mut factor, embedded);
    factor
}

fn set_embedded(factor: &mut UserFactor, embedded: Option<Box<Embedded>>) {
    match factor {
        UserFactor::Sms(f) => f.embedded = embedded,
        UserFactor::Call(f) => f.embedded = embedded,
        UserFactor::Email(f) => f.embedded = embedded,
        UserFactor::Question(f) => f.embedded = embedded,
        UserFactor::TokenSoftwareTotp(f) | UserFactor::Token(f) | UserFactor::TokenHardware(f) => {
            f.embedded = embedded
        }
        UserFactor::Push(f) => f.embedded = embedded,
        UserFactor::TokenHotp(f) => f.embedded = embedded,
        UserFactor::U2f(f) => f.embedded = embedded,
        UserFactor::WebAuthn(f) => f.embedded = embedded,
        UserFactor::Web(f) => f.embedded = embedded,
        UserFactor::SignedNonce(f) => f.embedded = embedded,
        _ => {}
    }
}

/// `{"verify": …, "factor": …}` links of a verify result.
pub(crate) fn verify_links(factor_id: &str, urls: &Urls) -> Links {
    links(vec![
        ("verify", one(link(urls.sub(factor_id, "verify"), POST))),
        ("factor", one(link(urls.factor(factor_id), GET_DELETE))),
    ])
}

/// `poll` and `cancel` links of a waiting push transaction (same href).
pub(crate) fn transaction_links(factor_id: &str, transaction_id: &str, urls: &Urls) -> Links {
    let href = urls.sub(factor_id, &format!("transactions/{transaction_id}"));
    links(vec![
        ("poll", one(link(href.clone(), GET))),
        ("cancel", one(link(href, &["DELETE"]))),
    ])
}

/// A verify result with just `factorResult`.
pub(crate) fn result_only(result: FactorResult) -> VerifyResponse {
    let mut response = VerifyResponse::default();
    response.factor_result = Some(result);
    response
}

/// A profile map of string members.
pub(crate) fn profile_map(entries: &[(&str, Option<&str>)]) -> Map<String, Value> {
    entries
        .iter()
        .filter_map(|(k, v)| v.map(|v| ((*k).to_owned(), Value::from(v))))
        .collect()
}
