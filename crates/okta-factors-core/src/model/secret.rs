//! [`Secret`]: a string that never shows up in `Debug` output.

use std::fmt;

use serde_json::{Map, Value};

/// JSON members whose values are secrets: never shown in `Debug` output or
/// error messages, wherever they appear (also among unknown members).
pub const SECRET_MEMBERS: &[&str] = &[
    "passCode",
    "nextPassCode",
    "answer",
    "sharedSecret",
    "activationToken",
    "stateToken",
    "token",
    "password",
    "clientSecret",
];

/// `Debug` view of a JSON object that redacts the values of [`SECRET_MEMBERS`],
/// at any depth.
pub(crate) struct RedactedMap<'a>(pub(crate) &'a Map<String, Value>);

impl fmt::Debug for RedactedMap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.0
                    .iter()
                    .map(|(k, v)| (k, RedactedValue(v, SECRET_MEMBERS.contains(&k.as_str())))),
            )
            .finish()
    }
}

/// `Debug` view of a JSON value; `.1` says the value itself is a secret.
pub(crate) struct RedactedValue<'a>(pub(crate) &'a Value, pub(crate) bool);

impl fmt::Debug for RedactedValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedactedValue(_, true) => f.write_str("[REDACTED]"),
            RedactedValue(Value::Object(map), false) => RedactedMap(map).fmt(f),
            RedactedValue(Value::Array(items), false) => f
                .debug_list()
                .entries(items.iter().map(|v| RedactedValue(v, false)))
                .finish(),
            RedactedValue(value, false) => value.fmt(f),
        }
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
/// use okta_factors_core::Secret;
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
