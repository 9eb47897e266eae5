//! The two declarative macros behind every model type.
//!
//! * [`open_enum!`] declares a string enum that never fails to parse: values this
//!   version does not know are kept in an `Other(String)` variant.
//! * [`wire_object!`] declares a JSON object type whose members are all optional,
//!   with a single-pass `Deserialize` (no buffering, no `#[serde(flatten)]`) that keeps
//!   every member it does not know in `extra` and notes (in a bit set) the modeled
//!   members sent as `null`, and a `Serialize` that writes back each modeled member
//!   that is set or was `null`, then `extra`: the JSON value that came in.
//! * [`setters!`] gives a request body one chainable `with_…` setter per member:
//!   the types are `#[non_exhaustive]`, so callers outside the crate cannot use
//!   struct literals.
//!
//! Keeping both as data ("this JSON name maps to this field") means a model file
//! reads like the spec, and forward compatibility is written once.

/// Declares an open string enum; see the module docs.
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )*
        }
    ) => {
        $(#[$meta])*
        ///
        /// This enum is open: a value unknown to this version parses as `Other` and
        /// serializes back unchanged. Build values with `From<&str>` so that known
        /// strings always land in their named variant.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
            /// A value this version does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire string of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Other(other) => other,
                }
            }

            /// Whether this value is one this version knows (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $wire => Self::$variant, )*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $( $wire => Self::$variant, )*
                    _ => Self::Other(value),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<$name, E> {
                        Ok($name::from(value))
                    }
                    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<$name, E> {
                        Ok($name::from(value))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}

/// Declares a JSON object with optional members and an `extra` map; see the module docs.
///
/// `Debug` shows every member, with secrets redacted: typed secrets are
/// [`Secret`](crate::Secret)s, and raw JSON members (`Value`, `Vec<Value>`,
/// `Map`) and `extra` have secret-named members and one-time links redacted.
/// A type that needs more writes its own `Debug`: `wire_object! { @custom_debug … }`.
macro_rules! wire_object {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $json:literal => $field:ident : $ty:ty, )*
        }
    ) => {
        wire_object! {
            @custom_debug
            $(#[$meta])*
            pub struct $name {
                $( $(#[$fmeta])* $json => $field: $ty, )*
            }
        }

        impl std::fmt::Debug for $name {
            /// Secrets are typed [`Secret`](crate::Secret)s; secret-named
            /// members of raw JSON (and of `extra`) are redacted too.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                #[allow(unused_imports)]
                use $crate::model::{RawJsonMember as _, TypedMember as _};
                let mut out = f.debug_struct(stringify!($name));
                $( out.field(stringify!($field), &(&$crate::model::Member(&self.$field)).view()); )*
                if !self.nulls.is_empty() {
                    out.field("null", &$crate::model::wire::NullNames(Self::FIELDS, self.nulls));
                }
                out.field("extra", &$crate::model::RedactedMap(&self.extra))
                    .finish()
            }
        }
    };
    (
        @custom_debug
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* $json:literal => $field:ident : $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        ///
        /// Parsing then serializing gives back the same JSON value: unknown
        /// members are kept in `extra`, and a member sent as `null` is `None`
        /// here and written back as `null` (until it is set to a value).
        #[derive(Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: Option<$ty>, )*
            /// Members Okta sent that this version does not model, kept verbatim
            /// and written back on serialization.
            pub extra: serde_json::Map<String, serde_json::Value>,
            /// Modeled members that were sent as `null`.
            pub(crate) nulls: $crate::model::wire::Nulls,
        }

        impl $name {
            /// The JSON member names this type models (everything else lands in `extra`).
            pub(crate) const FIELDS: &'static [&'static str] = &[ $( $json, )* ];

            /// Records whether member `json` (a name of `FIELDS`) was sent as `null`.
            #[allow(dead_code)]
            pub(crate) fn set_null(&mut self, json: &str, null: bool) {
                if let Some(i) = Self::FIELDS.iter().position(|name| *name == json) {
                    self.nulls.set(i, null);
                }
            }
        }

        const _: () = {
            assert!($name::FIELDS.len() <= $crate::model::wire::Nulls::CAPACITY);

            /// The members in declaration order: `Member::x as usize` is the
            /// index of `x` in `FIELDS` and in `nulls`.
            #[allow(non_camel_case_types, dead_code)]
            enum Member { $( $field, )* }

            impl serde::Serialize for $name {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    use serde::ser::SerializeMap;
                    let mut map = serializer.serialize_map(None)?;
                    $(
                        if let Some(value) = &self.$field {
                            map.serialize_entry($json, value)?;
                        } else if self.nulls.contains(Member::$field as usize) {
                            map.serialize_entry($json, &())?;
                        }
                    )*
                    for (key, value) in &self.extra {
                        map.serialize_entry(key, value)?;
                    }
                    map.end()
                }
            }

            impl<'de> serde::Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    struct Visitor;
                    impl<'de> serde::de::Visitor<'de> for Visitor {
                        type Value = $name;
                        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                            f.write_str(concat!("a JSON object (", stringify!($name), ")"))
                        }
                        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                            let mut out = $name::default();
                            while let Some(key) = map.next_key::<$crate::model::wire::Key<'de>>()? {
                                match key.as_bytes() {
                                    $( k if k == $json.as_bytes() => {
                                        let null = map
                                            .next_value::<$crate::model::wire::Nullable<$ty>>()?
                                            .store(&mut out.$field);
                                        out.nulls.set(Member::$field as usize, null);
                                    } )*
                                    _ => {
                                        let key = key.into_string()?;
                                        let value = map.next_value::<serde_json::Value>()?;
                                        out.extra.insert(key, value);
                                    }
                                }
                            }
                            Ok(out)
                        }
                    }
                    deserializer.deserialize_map(Visitor)
                }
            }
        };
    };
}

/// Declares chainable setters (`body.with_x(value)`) for members of a
/// [`wire_object!`] type; see the module docs.
macro_rules! setters {
    (
        $name:ident {
            $( $setter:ident => $field:ident : $ty:ty, )*
        }
    ) => {
        impl $name {
            $(
                #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
                #[must_use]
                pub fn $setter(mut self, value: impl Into<$ty>) -> Self {
                    self.$field = Some(value.into());
                    self
                }
            )*
        }
    };
}
