//! Okta FastPass (`signed_nonce`) in a seeded org: its wire shape against a
//! real org's (vector 07), what the API refuses for it, and the Okta Verify
//! cascade on unenroll.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{assert_enroll_refused, body, code_of, H};
use http::Method;
use okta_factors_core::model::{
    FactorEnrollment, FactorProvider, FactorStatus, FactorType, TotpProvider, UserFactor,
};
use okta_factors_core::operations::{
    ActivateFactor, EnrollFactor, GetFactor, ListFactors, UnenrollFactor, VerifyFactor,
};
use serde_json::Value;

/// The real org's `list_factors` answer with a FastPass factor.
fn vector_07() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../okta-factors-core/tests/fixtures/vectors/07-list_factors-fastpass-signed-nonce-and-totp.json",
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let vector: Value = serde_json::from_str(&text).unwrap();
    vector["response"]["body"].clone()
}

/// The element of a factor list with this `factorType` (and provider).
fn element<'a>(list: &'a Value, factor_type: &str, provider: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|f| f["factorType"] == factor_type && f["provider"] == provider)
        .unwrap_or_else(|| panic!("no {factor_type} ({provider}) in {list}"))
}

/// Every member path of a JSON value (`profile.keys[1].jwkType`), array
/// elements by index: the key sets at every level, not the values.
fn paths(value: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, member) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                out.insert(path.clone());
                paths(member, &path, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("{prefix}[{i}]");
                out.insert(path.clone());
                paths(item, &path, out);
            }
        }
        _ => {}
    }
}

fn key_paths(value: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    paths(value, "", &mut out);
    out
}

/// A harness with `n` seeded users; the IDs of those holding FastPass.
fn seeded(n: usize) -> (H, Vec<String>) {
    let mut h = H::new();
    let users = h.sim.seed_users(n, 42);
    let with_fastpass = users
        .into_iter()
        .filter(|u| {
            h.sim
                .factors(u)
                .iter()
                .any(|f| f.factor_type == FactorType::SignedNonce)
        })
        .collect::<Vec<_>>();
    assert!(!with_fastpass.is_empty(), "no FastPass user among {n}");
    (h, with_fastpass)
}

fn factor_id(h: &H, user: &str, factor_type: FactorType, provider: FactorProvider) -> String {
    h.sim
        .factors(user)
        .into_iter()
        .find(|f| f.factor_type == factor_type && f.provider == provider)
        .unwrap_or_else(|| panic!("no {factor_type} ({provider}) for {user}"))
        .id
}

/// The factor types and providers a user holds, sorted.
fn held(h: &H, user: &str) -> Vec<(String, String)> {
    let mut held: Vec<_> = h
        .sim
        .factors(user)
        .into_iter()
        .map(|f| (f.factor_type.to_string(), f.provider.to_string()))
        .collect();
    held.sort();
    held
}

fn pair(t: &str, p: &str) -> (String, String) {
    (t.to_owned(), p.to_owned())
}

#[test]
fn a_seeded_fastpass_factor_lists_as_a_real_org_lists_it() {
    let (mut h, users) = seeded(200);
    let user = users[0].clone();
    let id = factor_id(&h, &user, FactorType::SignedNonce, FactorProvider::Okta);

    // The core's model: a typed signed_nonce factor with the whole profile.
    let listed = h.call(&ListFactors::new(&user)).unwrap();
    let fastpass = listed.iter().find(|f| f.id() == Some(id.as_str())).unwrap();
    assert_eq!(fastpass.factor_type(), FactorType::SignedNonce);
    assert_eq!(fastpass.status(), Some(&FactorStatus::Active));
    assert_eq!(fastpass.provider(), Some(&FactorProvider::Okta));
    let UserFactor::SignedNonce(factor) = fastpass else {
        panic!("not a typed signed_nonce factor: {fastpass:?}")
    };
    let profile = factor.profile.as_ref().unwrap();
    for (name, value) in [
        ("credentialId", &profile.credential_id),
        ("deviceType", &profile.device_type),
        ("name", &profile.name),
        ("platform", &profile.platform),
        ("version", &profile.version),
    ] {
        assert!(value.as_deref().is_some_and(|v| !v.is_empty()), "{name}");
    }
    let keys = profile.keys.as_ref().unwrap();
    let jwk_types: Vec<_> = keys.iter().map(|k| k.jwk_type.as_deref()).collect();
    assert_eq!(
        jwk_types,
        [
            Some("proofOfPossession"),
            Some("userVerification"),
            Some("userVerificationBioOrPin")
        ]
    );
    for key in keys {
        assert_eq!(key.kty.as_deref(), Some("EC"));
        assert_eq!(key.crv.as_deref(), Some("P-256"));
        assert_eq!(key.key_use.as_deref(), Some("sig"));
        for coordinate in [&key.x, &key.y] {
            let raw = data_encoding::BASE64URL_NOPAD
                .decode(coordinate.as_deref().unwrap().as_bytes())
                .unwrap();
            assert_eq!(raw.len(), 32, "a P-256 coordinate is 32 bytes");
        }
        // A public JWK: no private member (`d`), no RSA members.
        assert!(key.e.is_none() && key.n.is_none() && key.x5c.is_none());
        assert!(key.extra.is_empty(), "{:?}", key.extra);
    }
    assert!(
        factor.links.verify().is_none(),
        "FastPass has no verify link"
    );

    // The raw JSON: exactly the members of the real org's factors, at every
    // level (values differ: IDs, hosts, key coordinates).
    let real = vector_07();
    let response = h.raw(Method::GET, &format!("/api/v1/users/{user}/factors"), None);
    assert_eq!(response.status(), 200);
    let ours = body(&response);
    for (factor_type, provider) in [("signed_nonce", "OKTA"), ("token:software:totp", "OKTA")] {
        let ours = element(&ours, factor_type, provider);
        let theirs = element(&real, factor_type, provider);
        assert_eq!(
            key_paths(ours),
            key_paths(theirs),
            "{factor_type}: {ours:#}"
        );
    }
    let ours = element(&ours, "signed_nonce", "OKTA");
    assert!(ours["id"].as_str().unwrap().starts_with("crp"), "{ours}");
    assert!(
        ours.to_string().find("\"d\"").is_none(),
        "private key member"
    );

    // `get` answers the same factor.
    let (status, got) = h.json(&GetFactor::new(&user, &id));
    assert_eq!(status, 200);
    assert_eq!(&got, ours);
}

#[test]
fn fastpass_cannot_be_enrolled_activated_or_verified() {
    let (mut h, users) = seeded(200);
    let user = users[0].clone();
    let id = factor_id(&h, &user, FactorType::SignedNonce, FactorProvider::Okta);
    let factors = format!("/api/v1/users/{user}/factors");

    // Enroll: as every factor type the API cannot enroll.
    let r = h.raw(
        Method::POST,
        &factors,
        Some(r#"{"factorType": "signed_nonce", "provider": "OKTA"}"#),
    );
    assert_enroll_refused(
        &r,
        "factorType: The factor type signed_nonce cannot be enrolled with this API",
    );
    let (status, code) = h.err_code(&EnrollFactor::new(
        &user,
        FactorEnrollment::new(FactorType::SignedNonce, FactorProvider::Okta),
    ));
    assert_eq!((status.as_u16(), code.as_str()), (400, "E0000001"));

    // Activate and verify: 400 E0000001, the factor untouched.
    for (what, path) in [
        ("activate", format!("{factors}/{id}/lifecycle/activate")),
        ("verify", format!("{factors}/{id}/verify")),
    ] {
        let r = h.raw(Method::POST, &path, Some("{}"));
        assert_eq!(r.status(), 400, "{what}");
        assert_eq!(code_of(&r), "E0000001", "{what}");
    }
    assert_eq!(h.err_code(&ActivateFactor::new(&user, &id)).0.as_u16(), 400);
    assert_eq!(h.err_code(&VerifyFactor::new(&user, &id)).0.as_u16(), 400);
    let after = h.sim.factors(&user);
    let fastpass = after.iter().find(|f| f.id == id).unwrap();
    assert_eq!(fastpass.status, FactorStatus::Active);
}

#[test]
fn unenrolling_fastpass_unenrolls_okta_verify_but_not_other_factors() {
    let (mut h, users) = seeded(200);
    let user = users[0].clone();
    // Another authenticator app and a phone: not Okta Verify's.
    h.call(&EnrollFactor::new(
        &user,
        FactorEnrollment::totp(TotpProvider::Google),
    ))
    .unwrap();
    h.call(&EnrollFactor::new(&user, FactorEnrollment::sms("+15554150000")).activate(true))
        .unwrap();
    let before = held(&h, &user);
    assert!(before.contains(&pair("push", "OKTA")), "{before:?}");
    assert!(before.contains(&pair("token:software:totp", "OKTA")));

    let id = factor_id(&h, &user, FactorType::SignedNonce, FactorProvider::Okta);
    assert_eq!(h.send(&UnenrollFactor::new(&user, &id)).status(), 204);
    assert_eq!(
        held(&h, &user),
        [pair("sms", "OKTA"), pair("token:software:totp", "GOOGLE")]
    );
    // Gone from the API as well, not only from the control view.
    let (status, code) = h.err_code(&GetFactor::new(&user, &id));
    assert_eq!((status.as_u16(), code.as_str()), (404, "E0000007"));
    assert_eq!(h.call(&ListFactors::new(&user)).unwrap().len(), 2);
}

#[test]
fn unenrolling_push_unenrolls_fastpass_too() {
    let (mut h, users) = seeded(200);
    let user = users[0].clone();
    let push = factor_id(&h, &user, FactorType::Push, FactorProvider::Okta);
    assert_eq!(h.send(&UnenrollFactor::new(&user, &push)).status(), 204);
    assert!(h.sim.factors(&user).is_empty(), "{:?}", held(&h, &user));
}

#[test]
fn unenrolling_okta_verify_totp_leaves_push_and_fastpass() {
    let (mut h, users) = seeded(200);
    let user = users[0].clone();
    let totp = factor_id(
        &h,
        &user,
        FactorType::TokenSoftwareTotp,
        FactorProvider::Okta,
    );
    assert_eq!(h.send(&UnenrollFactor::new(&user, &totp)).status(), 204);
    assert_eq!(
        held(&h, &user),
        [pair("push", "OKTA"), pair("signed_nonce", "OKTA")]
    );
}
