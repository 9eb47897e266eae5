//! Small serde building blocks shared by the model types.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

/// Which modeled members of an object were sent as `null`, by their index in
/// the type's member list, so that they are written back as `null` rather
/// than dropped. Bits only: no allocation, and nothing to do when no member
/// is `null` (the usual case).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(crate) struct Nulls(u32);

impl Nulls {
    /// How many members a type may have.
    pub(crate) const CAPACITY: usize = 32;

    /// Records whether member `index` was `null` (a repeated member: the last
    /// value counts, as in a JSON object).
    pub(crate) fn set(&mut self, index: usize, null: bool) {
        let bit = u32::try_from(index)
            .ok()
            .and_then(|i| 1u32.checked_shl(i))
            .unwrap_or(0);
        if null {
            self.0 |= bit;
        } else {
            self.0 &= !bit;
        }
    }

    /// Whether member `index` was `null`.
    pub(crate) fn contains(self, index: usize) -> bool {
        let bit = u32::try_from(index)
            .ok()
            .and_then(|i| 1u32.checked_shl(i))
            .unwrap_or(0);
        self.0 & bit != 0
    }

    /// Whether no member was `null`.
    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The index of `name` in `names` (`names.len()` when it is not there: check
/// with a `const` assertion).
pub(crate) const fn position(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        let (a, b) = (names[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i;
            }
        }
        i += 1;
    }
    names.len()
}

/// `Debug` view of the members of `names` that were `null`.
pub(crate) struct NullNames<'a>(pub(crate) &'a [&'a str], pub(crate) Nulls);

impl NullNames<'_> {
    /// Whether no member of `names` was `null`.
    pub(crate) fn is_empty(&self) -> bool {
        (0..self.0.len()).all(|i| !self.1.contains(i))
    }
}

impl fmt::Debug for NullNames<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let NullNames(names, nulls) = *self;
        f.debug_list()
            .entries(
                names
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| nulls.contains(*i))
                    .map(|(_, name)| name),
            )
            .finish()
    }
}

/// A member value read like `Option<T>`, telling `null` from a value. (An
/// absent member is never read, so it needs no variant.)
pub(crate) enum Nullable<T> {
    /// `null`.
    Null,
    /// A value.
    Value(T),
}

impl<T> Nullable<T> {
    /// Stores the value in `field` and returns whether it was `null`.
    pub(crate) fn store(self, field: &mut Option<T>) -> bool {
        match self {
            Self::Null => {
                *field = None;
                true
            }
            Self::Value(value) => {
                *field = Some(value);
                false
            }
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NullableVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for NullableVisitor<T> {
            type Value = Nullable<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a value or null")
            }
            fn visit_none<E: de::Error>(self) -> Result<Nullable<T>, E> {
                Ok(Nullable::Null)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Nullable<T>, E> {
                Ok(Nullable::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Nullable<T>, D::Error> {
                T::deserialize(d).map(Nullable::Value)
            }
        }
        // As `Option<T>` reads itself: serde_json peeks for `null` and hands
        // anything else to `T`, with no extra cost.
        deserializer.deserialize_option(NullableVisitor(std::marker::PhantomData))
    }
}

/// A JSON object key as raw bytes, borrowed from the input when possible.
///
/// Keys are compared with the member names a type knows as bytes, so the
/// common case (a known member) skips UTF-8 validation; only a key kept in
/// `extra` is checked, by [`Key::into_string`].
pub(crate) struct Key<'de>(pub(crate) Cow<'de, [u8]>);

impl<'de> Key<'de> {
    /// The key's bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The key as text (it was not a known member name).
    pub(crate) fn into_string<E: de::Error>(self) -> Result<String, E> {
        match self.0 {
            Cow::Borrowed(bytes) => std::str::from_utf8(bytes)
                .map(str::to_owned)
                .map_err(|_| E::custom("object key is not valid UTF-8")),
            Cow::Owned(bytes) => {
                String::from_utf8(bytes).map_err(|_| E::custom("object key is not valid UTF-8"))
            }
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v)))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v.as_bytes())))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.as_bytes().to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.into_bytes())))
            }
        }
        // serde_json hands out a key's raw bytes without validating them.
        deserializer.deserialize_bytes(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Link, UserFactor};

    #[test]
    fn escaped_keys_still_match_their_member() {
        let factor: UserFactor =
            serde_json::from_str(r#"{"fac\u0074orType":"sms","\u0069d":"f1","x\"y":1}"#).unwrap();
        assert_eq!(factor.id(), Some("f1"));
        assert!(matches!(factor, UserFactor::Sms(_)));
        assert_eq!(factor.extra()["x\"y"], 1);
    }

    #[test]
    fn unknown_keys_are_kept_as_text_and_bad_ones_are_errors() {
        let link: Link = serde_json::from_str(r#"{"href":"h","ünknown":true}"#).unwrap();
        assert_eq!(link.extra["ünknown"], true);
        // A lone surrogate is not text: a typed error, not a panic.
        let err = serde_json::from_str::<Link>(r#"{"\ud800":1}"#).unwrap_err();
        assert!(err.to_string().contains("UTF-8"), "{err}");
        let err = serde_json::from_slice::<Link>(b"{\"\xff\":1}").unwrap_err();
        assert!(err.to_string().contains("UTF-8"), "{err}");
    }

    #[test]
    fn keys_read_from_a_value_match_too() {
        let value = serde_json::json!({"factorType": "call", "id": "c1", "other": [1]});
        let factor: UserFactor = serde_json::from_value(value).unwrap();
        assert_eq!(factor.id(), Some("c1"));
        assert_eq!(factor.extra()["other"], serde_json::json!([1]));
    }
}
