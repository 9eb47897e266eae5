//! [`UserFactor`]: an enrolled factor (or a catalog entry), typed by `factorType`.

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::profiles::*;
use super::wire::{Key, NullNames, Nullable, Nulls};
use super::{
    Embedded, FactorProvider, FactorStatus, FactorType, Links, MalformedFactor, TotpActivation,
    VerifyResponse,
};

/// The members every factor has, with the type-specific profile `P`.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct Factor<P> {
    /// Factor ID.
    pub id: Option<String>,
    /// Provider.
    pub provider: Option<FactorProvider>,
    /// Vendor name (usually the provider; differs for on-prem MFA and custom TOTP).
    pub vendor_name: Option<String>,
    /// Status.
    pub status: Option<FactorStatus>,
    /// Enrollment timestamp (RFC 3339, as sent).
    pub created: Option<String>,
    /// Last update timestamp (RFC 3339, as sent).
    pub last_updated: Option<String>,
    /// The type-specific profile.
    pub profile: Option<P>,
    /// Custom TOTP factor profile ID (`token:hotp`).
    pub factor_profile_id: Option<String>,
    /// `_links`.
    pub links: Links,
    /// `_embedded`.
    pub embedded: Option<Box<Embedded>>,
    /// Members this version does not model, kept verbatim.
    pub extra: Map<String, Value>,
    /// Envelope members sent as `null` (by [`Member`]), and whether `_links`
    /// was sent at all ([`LINKS_SENT`]), so that both are written back.
    pub(crate) nulls: Nulls,
}

/// The envelope members of a factor that may be `null`: their bits in
/// `Factor::nulls`, in the order of [`MEMBER_NAMES`].
#[derive(Clone, Copy)]
enum Member {
    Id,
    Provider,
    VendorName,
    Status,
    Created,
    LastUpdated,
    Profile,
    FactorProfileId,
    Links,
    Embedded,
}

/// The JSON names of [`Member`], in order.
const MEMBER_NAMES: &[&str] = &[
    "id",
    "provider",
    "vendorName",
    "status",
    "created",
    "lastUpdated",
    "profile",
    "factorProfileId",
    "_links",
    "_embedded",
];

/// The bit of `Factor::nulls` set when `_links` was sent as an object, even
/// an empty one (an empty [`Links`] is otherwise not written).
const LINKS_SENT: usize = MEMBER_NAMES.len();

/// Reads one envelope member into `field`, noting whether it was `null`.
fn read_member<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    field: &mut Option<T>,
    nulls: &mut Nulls,
    member: Member,
) -> Result<(), A::Error> {
    let null = map.next_value::<Nullable<T>>()?.store(field);
    nulls.set(member as usize, null);
    Ok(())
}

/// How a profile shows in `Debug`: typed profiles redact their own secrets;
/// a raw profile (unknown factor type) has its secret-named members redacted.
///
/// Crate-private on purpose: it only exists to bound `Factor<P>`'s `Debug`
/// (implemented for the profile types of this crate and raw JSON, the only `P`
/// a `Factor` is built with), so no caller can name or implement it and it
/// promises nothing. The compiler accepts a crate-private trait in that bound.
pub(crate) trait DebugProfile {
    /// Formats the profile for `Debug`.
    fn fmt_profile(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
}

impl DebugProfile for Value {
    fn fmt_profile(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&super::secret::RedactedValue(self, false), f)
    }
}

struct ProfileView<'a, P>(&'a P);

impl<P: DebugProfile> fmt::Debug for ProfileView<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_profile(f)
    }
}

impl<P: DebugProfile> fmt::Debug for Factor<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Factor");
        out.field("id", &self.id)
            .field("provider", &self.provider)
            .field("vendor_name", &self.vendor_name)
            .field("status", &self.status)
            .field("created", &self.created)
            .field("last_updated", &self.last_updated)
            .field("profile", &self.profile.as_ref().map(ProfileView))
            .field("factor_profile_id", &self.factor_profile_id)
            .field("links", &self.links)
            .field("embedded", &self.embedded);
        let nulls = NullNames(MEMBER_NAMES, self.nulls);
        if !nulls.is_empty() {
            out.field("null", &nulls);
        }
        out.field("extra", &super::RedactedMap(&self.extra))
            .finish()
    }
}

impl<P> Default for Factor<P> {
    fn default() -> Self {
        Self {
            id: None,
            provider: None,
            vendor_name: None,
            status: None,
            created: None,
            last_updated: None,
            profile: None,
            factor_profile_id: None,
            links: Links::default(),
            embedded: None,
            extra: Map::new(),
            nulls: Nulls::default(),
        }
    }
}

/// A factor whose `factorType` this version does not know. Everything is kept:
/// the type string, the envelope, the raw profile and unknown members, so it
/// serializes back to what came in.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UnknownFactor {
    /// The `factorType` string as sent.
    pub factor_type: String,
    /// The factor with its profile as raw JSON.
    pub factor: Factor<Value>,
}

/// An enrolled factor, typed by its `factorType`.
///
/// One variant per factor type of the current spec, each with its typed profile,
/// plus [`UserFactor::Unknown`] for types Okta adds later: an unknown type never
/// fails a parse (not even inside a list). In a `list_factors` answer, a factor
/// that does not decode as its type is [`UserFactor::Malformed`], kept as sent:
/// one odd factor never fails the list.
///
/// ```
/// use okta_factors::model::{UserFactor, FactorStatus};
/// let factor: UserFactor = serde_json::from_str(r#"{
///     "id": "mbl1nz9JHJGHWRKMTLHP", "factorType": "sms", "provider": "OKTA",
///     "status": "PENDING_ACTIVATION", "profile": {"phoneNumber": "+1-555-415-1337"},
///     "_links": {"resend": [{"name": "sms", "href": "https://example.okta.com/resend"}]}
/// }"#).unwrap();
/// let UserFactor::Sms(sms) = &factor else { panic!("not sms") };
/// assert_eq!(sms.profile.as_ref().unwrap().phone_number.as_deref(), Some("+1-555-415-1337"));
/// assert_eq!(factor.status(), Some(&FactorStatus::PendingActivation));
/// assert_eq!(factor.links().resend().len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum UserFactor {
    /// `call`
    Call(Factor<CallProfile>),
    /// `email`
    Email(Factor<EmailProfile>),
    /// `push`
    Push(Factor<PushProfile>),
    /// `question`
    Question(Factor<QuestionProfile>),
    /// `signed_nonce` (Okta FastPass)
    SignedNonce(Factor<SignedNonceProfile>),
    /// `sms`
    Sms(Factor<SmsProfile>),
    /// `token`
    Token(Factor<TokenProfile>),
    /// `token:hardware`
    TokenHardware(Factor<TokenProfile>),
    /// `token:hotp` (custom TOTP)
    TokenHotp(Factor<HotpProfile>),
    /// `hotp`: the 3.0-era name of `token:hotp` (same model; kept apart so it
    /// serializes back as it came)
    Hotp(Factor<HotpProfile>),
    /// `token:software:totp`
    TokenSoftwareTotp(Factor<TokenProfile>),
    /// `u2f`
    U2f(Factor<U2fProfile>),
    /// `web`
    Web(Factor<WebProfile>),
    /// `webauthn`
    WebAuthn(Factor<WebAuthnProfile>),
    /// A factor type this version does not know.
    Unknown(UnknownFactor),
    /// A factor of a `list_factors` answer that did not decode as its type (a
    /// member of another type than the model's, say): kept exactly as sent,
    /// with the error. Only lists hold it; a single factor that does not decode
    /// is a decode error. [`UserFactor::id`], [`UserFactor::factor_type`] and
    /// the other accessors read the members that did decode.
    Malformed(Box<MalformedFactor>),
}

/// Runs `$body` with `$f` bound to the variant's `Factor<_>`, whatever its profile.
macro_rules! with_factor {
    ($self:expr, $f:ident => $body:expr) => {
        match $self {
            UserFactor::Call($f) => $body,
            UserFactor::Email($f) => $body,
            UserFactor::Push($f) => $body,
            UserFactor::Question($f) => $body,
            UserFactor::SignedNonce($f) => $body,
            UserFactor::Sms($f) => $body,
            UserFactor::Token($f) => $body,
            UserFactor::TokenHardware($f) => $body,
            UserFactor::TokenHotp($f) => $body,
            UserFactor::Hotp($f) => $body,
            UserFactor::TokenSoftwareTotp($f) => $body,
            UserFactor::U2f($f) => $body,
            UserFactor::Web($f) => $body,
            UserFactor::WebAuthn($f) => $body,
            UserFactor::Unknown(UnknownFactor { factor: $f, .. }) => $body,
            UserFactor::Malformed(malformed) => {
                let $f = malformed.factor();
                $body
            }
        }
    };
}

impl UserFactor {
    /// The factor type (for `Unknown`, `FactorType::Other` with the wire string;
    /// for `Malformed`, the type it was sent with, or `Other("")` without one).
    pub fn factor_type(&self) -> FactorType {
        match self {
            Self::Call(_) => FactorType::Call,
            Self::Email(_) => FactorType::Email,
            Self::Push(_) => FactorType::Push,
            Self::Question(_) => FactorType::Question,
            Self::SignedNonce(_) => FactorType::SignedNonce,
            Self::Sms(_) => FactorType::Sms,
            Self::Token(_) => FactorType::Token,
            Self::TokenHardware(_) => FactorType::TokenHardware,
            Self::TokenHotp(_) => FactorType::TokenHotp,
            Self::Hotp(_) => FactorType::Hotp,
            Self::TokenSoftwareTotp(_) => FactorType::TokenSoftwareTotp,
            Self::U2f(_) => FactorType::U2f,
            Self::Web(_) => FactorType::Web,
            Self::WebAuthn(_) => FactorType::WebAuthn,
            Self::Unknown(unknown) => FactorType::from(unknown.factor_type.as_str()),
            Self::Malformed(malformed) => malformed.typed_factor_type(),
        }
    }

    /// Factor ID.
    pub fn id(&self) -> Option<&str> {
        with_factor!(self, f => f.id.as_deref())
    }

    /// Status.
    pub fn status(&self) -> Option<&FactorStatus> {
        with_factor!(self, f => f.status.as_ref())
    }

    /// Provider.
    pub fn provider(&self) -> Option<&FactorProvider> {
        with_factor!(self, f => f.provider.as_ref())
    }

    /// Vendor name.
    pub fn vendor_name(&self) -> Option<&str> {
        with_factor!(self, f => f.vendor_name.as_deref())
    }

    /// Enrollment timestamp as sent.
    pub fn created(&self) -> Option<&str> {
        with_factor!(self, f => f.created.as_deref())
    }

    /// Last update timestamp as sent.
    pub fn last_updated(&self) -> Option<&str> {
        with_factor!(self, f => f.last_updated.as_deref())
    }

    /// `_links`.
    pub fn links(&self) -> &Links {
        with_factor!(self, f => &f.links)
    }

    /// `_embedded`.
    pub fn embedded(&self) -> Option<&Embedded> {
        with_factor!(self, f => f.embedded.as_deref())
    }

    /// Members this version does not model.
    pub fn extra(&self) -> &Map<String, Value> {
        with_factor!(self, f => &f.extra)
    }

    /// TOTP activation data (shared secret, time step, digits, QR code) of a
    /// `token:software:totp` enrollment waiting for activation.
    pub fn totp_activation(&self) -> Option<TotpActivation<'_>> {
        self.embedded()?.totp_activation()
    }

    /// Whether this is an unknown factor type.
    pub fn is_unknown(&self) -> bool {
        matches!(self, Self::Unknown(_))
    }

    /// The factor as sent and its decode error, if it did not decode
    /// ([`UserFactor::Malformed`]).
    pub fn as_malformed(&self) -> Option<&MalformedFactor> {
        match self {
            Self::Malformed(malformed) => Some(malformed),
            _ => None,
        }
    }
}

/// A profile read while the factor type was known (typed in one pass, with
/// full error paths), or raw JSON when `profile` came before `factorType`.
enum Profile {
    Call(CallProfile),
    Email(EmailProfile),
    Push(PushProfile),
    Question(QuestionProfile),
    SignedNonce(SignedNonceProfile),
    Sms(SmsProfile),
    Token(TokenProfile),
    Hotp(HotpProfile),
    U2f(U2fProfile),
    Web(WebProfile),
    WebAuthn(WebAuthnProfile),
    Raw(Value),
}

/// Reads the `profile` member, typed when the factor type is already known.
fn read_profile<'de, A: MapAccess<'de>>(
    map: &mut A,
    factor_type: Option<&FactorType>,
) -> Result<Nullable<Profile>, A::Error> {
    use FactorType as T;
    fn typed<'de, A: MapAccess<'de>, P: Deserialize<'de>>(
        map: &mut A,
        variant: fn(P) -> Profile,
    ) -> Result<Nullable<Profile>, A::Error> {
        Ok(match map.next_value::<Nullable<P>>()? {
            Nullable::Null => Nullable::Null,
            Nullable::Value(profile) => Nullable::Value(variant(profile)),
        })
    }
    match factor_type {
        Some(T::Call) => typed(map, Profile::Call),
        Some(T::Email) => typed(map, Profile::Email),
        Some(T::Push) => typed(map, Profile::Push),
        Some(T::Question) => typed(map, Profile::Question),
        Some(T::SignedNonce) => typed(map, Profile::SignedNonce),
        Some(T::Sms) => typed(map, Profile::Sms),
        Some(T::Token | T::TokenHardware | T::TokenSoftwareTotp) => typed(map, Profile::Token),
        Some(T::TokenHotp | T::Hotp) => typed(map, Profile::Hotp),
        Some(T::U2f) => typed(map, Profile::U2f),
        Some(T::Web) => typed(map, Profile::Web),
        Some(T::WebAuthn) => typed(map, Profile::WebAuthn),
        Some(T::Other(_)) | None => Ok(match map.next_value::<Value>()? {
            Value::Null => Nullable::Null,
            value => Nullable::Value(Profile::Raw(value)),
        }),
    }
}

/// A profile type that can be taken out of a [`Profile`].
trait FromProfile: DeserializeOwned {
    /// Whether a raw profile is already this type (raw JSON for unknown types).
    const IS_RAW: bool = false;
    fn take(profile: Profile) -> Option<Self>;
}

macro_rules! from_profile {
    ($($ty:ty => $variant:ident,)*) => {$(
        impl DebugProfile for $ty {
            fn fmt_profile(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(self, f)
            }
        }

        impl FromProfile for $ty {
            fn take(profile: Profile) -> Option<Self> {
                match profile {
                    Profile::$variant(p) => Some(p),
                    _ => None,
                }
            }
        }
    )*};
}

from_profile! {
    CallProfile => Call,
    EmailProfile => Email,
    PushProfile => Push,
    QuestionProfile => Question,
    SignedNonceProfile => SignedNonce,
    SmsProfile => Sms,
    TokenProfile => Token,
    HotpProfile => Hotp,
    U2fProfile => U2f,
    WebProfile => Web,
    WebAuthnProfile => WebAuthn,
}

impl FromProfile for Value {
    const IS_RAW: bool = true;
    fn take(profile: Profile) -> Option<Self> {
        match profile {
            Profile::Raw(value) => Some(value),
            _ => None,
        }
    }
}

/// Types the profile of `raw` as `P`. A raw profile (it came before
/// `factorType`) is decoded now; its error names the path inside `profile`.
fn typed<P: FromProfile, E: de::Error>(raw: Factor<Profile>) -> Result<Factor<P>, E> {
    let profile = match raw.profile {
        None => None,
        Some(Profile::Raw(value)) if !P::IS_RAW => Some(
            serde_path_to_error::deserialize(value)
                .map_err(|e| E::custom(crate::response::nested_error("profile", &e)))?,
        ),
        // Profiles are typed by the same factor type as here, so this matches.
        Some(profile) => {
            Some(P::take(profile).ok_or_else(|| E::custom("profile: does not match factorType"))?)
        }
    };
    Ok(Factor {
        id: raw.id,
        provider: raw.provider,
        vendor_name: raw.vendor_name,
        status: raw.status,
        created: raw.created,
        last_updated: raw.last_updated,
        profile,
        factor_profile_id: raw.factor_profile_id,
        links: raw.links,
        embedded: raw.embedded,
        extra: raw.extra,
        nulls: raw.nulls,
    })
}

/// A factor object read in one pass, before its `factorType` picks the variant.
pub(crate) struct RawFactor {
    /// `factorType`, when present.
    pub(crate) factor_type: Option<FactorType>,
    factor: Factor<Profile>,
}

impl RawFactor {
    /// Reads the members of a factor object.
    pub(crate) fn read<'de, A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        let mut f = Factor::<Profile>::default();
        let mut factor_type: Option<FactorType> = None;
        let nulls = &mut f.nulls;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_bytes() {
                b"id" => read_member(&mut map, &mut f.id, nulls, Member::Id)?,
                b"factorType" => factor_type = map.next_value()?,
                b"provider" => read_member(&mut map, &mut f.provider, nulls, Member::Provider)?,
                b"vendorName" => {
                    read_member(&mut map, &mut f.vendor_name, nulls, Member::VendorName)?
                }
                b"status" => read_member(&mut map, &mut f.status, nulls, Member::Status)?,
                b"created" => read_member(&mut map, &mut f.created, nulls, Member::Created)?,
                b"lastUpdated" => {
                    read_member(&mut map, &mut f.last_updated, nulls, Member::LastUpdated)?
                }
                b"profile" => {
                    let null = read_profile(&mut map, factor_type.as_ref())?.store(&mut f.profile);
                    nulls.set(Member::Profile as usize, null);
                }
                b"factorProfileId" => read_member(
                    &mut map,
                    &mut f.factor_profile_id,
                    nulls,
                    Member::FactorProfileId,
                )?,
                b"_links" => {
                    let mut links = None;
                    let null = map.next_value::<Nullable<Links>>()?.store(&mut links);
                    f.links = links.unwrap_or_default();
                    nulls.set(Member::Links as usize, null);
                    nulls.set(LINKS_SENT, !null);
                }
                b"_embedded" => read_member(&mut map, &mut f.embedded, nulls, Member::Embedded)?,
                _ => {
                    let key = key.into_string()?;
                    let value = map.next_value::<Value>()?;
                    f.extra.insert(key, value);
                }
            }
        }
        Ok(Self {
            factor_type,
            factor: f,
        })
    }

    /// Members this version does not model.
    pub(crate) fn extra(&self) -> &Map<String, Value> {
        &self.factor.extra
    }

    /// The typed factor; an error when `factorType` is missing.
    pub(crate) fn into_factor<E: de::Error>(self) -> Result<UserFactor, E> {
        let f = self.factor;
        Ok(
            match self
                .factor_type
                .ok_or_else(|| E::missing_field("factorType"))?
            {
                FactorType::Call => UserFactor::Call(typed(f)?),
                FactorType::Email => UserFactor::Email(typed(f)?),
                FactorType::Push => UserFactor::Push(typed(f)?),
                FactorType::Question => UserFactor::Question(typed(f)?),
                FactorType::SignedNonce => UserFactor::SignedNonce(typed(f)?),
                FactorType::Sms => UserFactor::Sms(typed(f)?),
                FactorType::Token => UserFactor::Token(typed(f)?),
                FactorType::TokenHardware => UserFactor::TokenHardware(typed(f)?),
                FactorType::TokenHotp => UserFactor::TokenHotp(typed(f)?),
                FactorType::Hotp => UserFactor::Hotp(typed(f)?),
                FactorType::TokenSoftwareTotp => UserFactor::TokenSoftwareTotp(typed(f)?),
                FactorType::U2f => UserFactor::U2f(typed(f)?),
                FactorType::Web => UserFactor::Web(typed(f)?),
                FactorType::WebAuthn => UserFactor::WebAuthn(typed(f)?),
                FactorType::Other(factor_type) => UserFactor::Unknown(UnknownFactor {
                    factor_type,
                    factor: typed(f)?,
                }),
            },
        )
    }

    /// The object as a [`VerifyResponse`], for one that turned out not to be
    /// a factor (a push activation's `WAITING` result). `_links` and
    /// `_embedded` stay as read; the members a factor types go back to JSON.
    pub(crate) fn into_verify_response<E: de::Error>(self) -> Result<VerifyResponse, E> {
        let f = self.factor;
        let nulls = f.nulls;
        let null = |member: Member| nulls.contains(member as usize);
        let mut members = f.extra;
        let strings = [
            (Member::Id, f.id),
            (Member::Provider, f.provider.map(|v| v.as_str().to_owned())),
            (Member::VendorName, f.vendor_name),
            (Member::Status, f.status.map(|v| v.as_str().to_owned())),
            (Member::Created, f.created),
            (Member::LastUpdated, f.last_updated),
            (Member::FactorProfileId, f.factor_profile_id),
        ];
        for (member, value) in strings {
            let value = match value {
                Some(value) => Value::String(value),
                None if null(member) => Value::Null,
                None => continue,
            };
            members.insert(MEMBER_NAMES[member as usize].to_owned(), value);
        }
        match f.profile {
            // Without a factorType the profile is always read raw.
            Some(Profile::Raw(value)) => {
                members.insert("profile".to_owned(), value);
            }
            Some(_) => return Err(E::custom("profile: does not match factorType")),
            None if null(Member::Profile) => {
                members.insert("profile".to_owned(), Value::Null);
            }
            None => {}
        }
        let mut response =
            VerifyResponse::deserialize(de::value::MapDeserializer::new(members.into_iter()))
                .map_err(E::custom)?;
        if !f.links.is_empty() || nulls.contains(LINKS_SENT) {
            response.links = Some(f.links);
        } else if null(Member::Links) {
            response.set_null("_links", true);
        }
        if f.embedded.is_none() && null(Member::Embedded) {
            response.set_null("_embedded", true);
        }
        response.embedded = f.embedded;
        Ok(response)
    }
}

impl<'de> Deserialize<'de> for UserFactor {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FactorVisitor;
        impl<'de> Visitor<'de> for FactorVisitor {
            type Value = UserFactor;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a factor object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<UserFactor, A::Error> {
                RawFactor::read(map)?.into_factor()
            }
        }
        deserializer.deserialize_map(FactorVisitor)
    }
}

fn serialize_factor<S: Serializer, P: Serialize>(
    serializer: S,
    factor_type: &str,
    f: &Factor<P>,
) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(None)?;
    // Each member as it came in: its value, or `null` when it was sent so.
    macro_rules! entry {
        ($member:expr, $value:expr) => {
            match $value {
                Some(value) => map.serialize_entry(MEMBER_NAMES[$member as usize], value)?,
                None if f.nulls.contains($member as usize) => {
                    map.serialize_entry(MEMBER_NAMES[$member as usize], &())?
                }
                None => {}
            }
        };
    }
    entry!(Member::Id, &f.id);
    map.serialize_entry("factorType", factor_type)?;
    entry!(Member::Provider, &f.provider);
    entry!(Member::VendorName, &f.vendor_name);
    entry!(Member::Status, &f.status);
    entry!(Member::Created, &f.created);
    entry!(Member::LastUpdated, &f.last_updated);
    entry!(Member::Profile, &f.profile);
    entry!(Member::FactorProfileId, &f.factor_profile_id);
    let links = (!f.links.is_empty() || f.nulls.contains(LINKS_SENT)).then_some(&f.links);
    entry!(Member::Links, links);
    entry!(Member::Embedded, &f.embedded);
    for (key, value) in &f.extra {
        map.serialize_entry(key, value)?;
    }
    map.end()
}

impl Serialize for UserFactor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Unknown(unknown) => {
                serialize_factor(serializer, &unknown.factor_type, &unknown.factor)
            }
            Self::Malformed(malformed) => malformed.serialize(serializer),
            known => {
                let factor_type = known.factor_type();
                with_factor!(known, f => serialize_factor(serializer, factor_type.as_str(), f))
            }
        }
    }
}
