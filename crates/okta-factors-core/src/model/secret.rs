//! [`Secret`]: a string that never shows up in `Debug` output.

use std::fmt;

use serde_json::{Map, Value};

/// JSON members whose values are secrets: never shown in `Debug` output or
/// error messages, wherever they appear (also among unknown members).
pub(crate) const SECRET_MEMBERS: &[&str] = &[
    "passCode",
    "nextPassCode",
    "answer",
    "sharedSecret",
    "activationToken",
    "stateToken",
    "token",
    "password",
    "clientSecret",
    "deviceToken",
];

/// Link relations whose targets are one-time URLs: `qrcode` renders the TOTP
/// secret or activates a device, `send` sends an activation link. Their
/// `href` is never shown in `Debug` output or error messages.
pub(crate) const ONE_TIME_RELATIONS: &[&str] = &["qrcode", "send"];

/// Whether `href` has the shape of one of Okta's one-time links: a QR code
/// (`…/factors/{factorId}/qr/{token}`) or an activation `send` link
/// (`…/lifecycle/activate/email`, `…/lifecycle/activate/sms`). Used where a
/// link is formatted without its relation.
pub(crate) fn is_one_time_href(href: &str) -> bool {
    let path = href.split(['?', '#']).next().unwrap_or_default();
    let path = path.trim_end_matches('/');
    path.contains("/qr/")
        || path.ends_with("/lifecycle/activate/email")
        || path.ends_with("/lifecycle/activate/sms")
}

/// Whether a decode error at JSON `path` (e.g. `_embedded.activation.sharedSecret`
/// or `[0]._links.qrcode.href`) is about a secret: a secret member, or anything
/// inside a one-time link relation. Its message must not quote the value.
pub(crate) fn is_secret_path(path: &str) -> bool {
    let mut segments = path.split(['.', '[']);
    let last = path.rsplit(['.', '[']).next().unwrap_or_default();
    SECRET_MEMBERS.contains(&last) || segments.any(|s| ONE_TIME_RELATIONS.contains(&s))
}

/// `Debug` view of a JSON object that redacts the values of [`SECRET_MEMBERS`]
/// and the targets of one-time links, at any depth.
pub(crate) struct RedactedMap<'a>(pub(crate) &'a Map<String, Value>);

impl fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(k, v)| {
                let mode = if SECRET_MEMBERS.contains(&k.as_str()) {
                    Mode::Secret
                } else if ONE_TIME_RELATIONS.contains(&k.as_str()) {
                    Mode::OneTimeLink
                } else {
                    Mode::Plain
                };
                (k, Redacted(v, mode))
            }))
            .finish()
    }
}

/// `Debug` view of a JSON value; `.1` says the value itself is a secret.
pub(crate) struct RedactedValue<'a>(pub(crate) &'a Value, pub(crate) bool);

impl fmt::Debug for RedactedValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mode = if self.1 { Mode::Secret } else { Mode::Plain };
        Redacted(self.0, mode).fmt(f)
    }
}

/// `Debug` view of the value of a one-time link relation kept as sent (see
/// `LinkSet::Other`): its shape is unknown, so any string in it may be the
/// target, and every string is redacted; the structure, numbers and booleans
/// show.
pub(crate) struct OneTimeLinkValue<'a>(pub(crate) &'a Value);

impl fmt::Debug for OneTimeLinkValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::String(_) => f.write_str("[REDACTED]"),
            Value::Array(items) => f
                .debug_list()
                .entries(items.iter().map(OneTimeLinkValue))
                .finish(),
            Value::Object(map) => f
                .debug_map()
                .entries(map.iter().map(|(k, v)| (k, OneTimeLinkValue(v))))
                .finish(),
            value => value.fmt(f),
        }
    }
}

/// `Debug` view of the value of another link relation kept as sent (see
/// `LinkSet::Other`): secret members, strings with the shape of a one-time
/// link and what one-time relations inside hold are redacted.
pub(crate) struct LinkValue<'a>(pub(crate) &'a Value);

impl fmt::Debug for LinkValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// One member of an object, as it shows.
        enum View<'a> {
            Secret,
            OneTime(&'a Value),
            Plain(&'a Value),
        }
        impl fmt::Debug for View<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    View::Secret => f.write_str("[REDACTED]"),
                    View::OneTime(value) => OneTimeLinkValue(value).fmt(f),
                    View::Plain(value) => LinkValue(value).fmt(f),
                }
            }
        }
        match self.0 {
            Value::String(href) if is_one_time_href(href) => f.write_str("[REDACTED]"),
            Value::Array(items) => f.debug_list().entries(items.iter().map(LinkValue)).finish(),
            Value::Object(map) => f
                .debug_map()
                .entries(map.iter().map(|(k, v)| {
                    let view = if SECRET_MEMBERS.contains(&k.as_str()) {
                        View::Secret
                    } else if ONE_TIME_RELATIONS.contains(&k.as_str()) {
                        View::OneTime(v)
                    } else {
                        View::Plain(v)
                    };
                    (k, view)
                }))
                .finish(),
            value => value.fmt(f),
        }
    }
}

/// How a JSON value is shown.
#[derive(Clone, Copy)]
enum Mode {
    /// As is, with secret members and one-time links redacted inside.
    Plain,
    /// Not at all: `[REDACTED]`.
    Secret,
    /// The value of a one-time link relation: a link object (or an array of
    /// them) whose `href` is redacted; a bare string is taken for the target.
    OneTimeLink,
}

struct Redacted<'a>(&'a Value, Mode);

impl fmt::Debug for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0, self.1) {
            (_, Mode::Secret) | (Value::String(_), Mode::OneTimeLink) => f.write_str("[REDACTED]"),
            (Value::Object(map), Mode::OneTimeLink) => f
                .debug_map()
                .entries(map.iter().map(|(k, v)| {
                    let secret = k == "href" || SECRET_MEMBERS.contains(&k.as_str());
                    (
                        k,
                        Redacted(v, if secret { Mode::Secret } else { Mode::Plain }),
                    )
                }))
                .finish(),
            (Value::Object(map), Mode::Plain) => RedactedMap(map).fmt(f),
            (Value::Array(items), mode) => f
                .debug_list()
                .entries(items.iter().map(|v| Redacted(v, mode)))
                .finish(),
            (value, _) => value.fmt(f),
        }
    }
}

/// `Debug` of one member of a `wire_object!` type, chosen by the member's type
/// at compile time (autoref specialization: `(&Member(&field)).view()` picks
/// [`RawJsonMember`] when the member is raw JSON, [`TypedMember`] otherwise).
/// Raw JSON members (`Value`, `Vec<Value>`, `Map`) are shown redacted like
/// `extra`; typed members redact their own secrets (they are [`Secret`]s).
pub(crate) struct Member<'a, T>(pub(crate) &'a T);

/// Raw JSON members: shown through [`RedactedValue`] / [`RedactedMap`].
pub(crate) trait RawJsonMember {
    /// The redacting view.
    fn view(&self) -> RawJson<'_>;
}

/// The view [`RawJsonMember::view`] returns.
pub(crate) enum RawJson<'a> {
    Value(Option<&'a Value>),
    Values(Option<&'a [Value]>),
    Map(Option<&'a Map<String, Value>>),
}

impl fmt::Debug for RawJson<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Value(value) => value.map(|v| RedactedValue(v, false)).fmt(f),
            Self::Values(values) => values.map(RedactedList).fmt(f),
            Self::Map(map) => map.map(RedactedMap).fmt(f),
        }
    }
}

struct RedactedList<'a>(&'a [Value]);

impl fmt::Debug for RedactedList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|v| RedactedValue(v, false)))
            .finish()
    }
}

impl RawJsonMember for Member<'_, Option<Value>> {
    fn view(&self) -> RawJson<'_> {
        RawJson::Value(self.0.as_ref())
    }
}

impl RawJsonMember for Member<'_, Option<Vec<Value>>> {
    fn view(&self) -> RawJson<'_> {
        RawJson::Values(self.0.as_deref())
    }
}

impl RawJsonMember for Member<'_, Option<Map<String, Value>>> {
    fn view(&self) -> RawJson<'_> {
        RawJson::Map(self.0.as_ref())
    }
}

/// Typed members: their own `Debug`.
pub(crate) trait TypedMember {
    /// The member itself.
    fn view(&self) -> &dyn fmt::Debug;
}

impl<T: fmt::Debug> TypedMember for &Member<'_, T> {
    fn view(&self) -> &dyn fmt::Debug {
        self.0
    }
}

/// A secret string: an API token, an access token, a passcode, a security answer,
/// a shared secret.
///
/// `Debug` prints `[REDACTED]`, there is no `Display`, and no error message of this
/// crate ever embeds one. Read the value with [`Secret::expose`] only where it has
/// to go on the wire.
///
/// ```
/// use okta_factors::Secret;
/// let code = Secret::new("123456");
/// assert_eq!(format!("{code:?}"), "[REDACTED]");
/// assert_eq!(code.expose(), "123456");
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value as canonical base32 text, as a TOTP shared secret is read:
    /// spaces and `=` padding dropped, letters in upper case. Not validated.
    pub(crate) fn base32_canonical(&self) -> String {
        self.0
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '=')
            .map(|c| c.to_ascii_uppercase())
            .collect()
    }

    /// The secret value itself. Call this only to put it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    /// Accepts a string, or an integer (some clients send numeric passcodes). Any
    /// other JSON type is an error whose message does not contain the value.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecretVisitor;
        impl<'de> serde::de::Visitor<'de> for SecretVisitor {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string (secret; value not shown)")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Secret, E> {
                Ok(Secret(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Secret, E> {
                Err(E::custom(
                    "expected a string for a secret, found a number (value not shown)",
                ))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Secret, E> {
                Err(E::custom(
                    "expected a string for a secret, found a boolean (value not shown)",
                ))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, _: A) -> Result<Secret, A::Error> {
                Err(serde::de::Error::custom(
                    "expected a string for a secret, found an object (value not shown)",
                ))
            }
        }
        deserializer.deserialize_any(SecretVisitor)
    }
}
