//! HAL links (`_links`). On the wire every relation may be one link object or an
//! array of them (Okta sends `resend` and activation `send` as arrays although the
//! spec says object), so [`LinkSet`] accepts both and writes back what it read.
//!
//! A relation whose value is anything else (a string, a number, `null`, an
//! array holding something other than link objects, a link object whose members
//! have other types: the 3.0 schema allows any value there) is kept as sent in
//! [`LinkSet::Other`]: it never fails the response it is in.
//!
//! A factor list is mostly links, so reading them allocates little: relation
//! names Okta uses and the usual `hints.allow` lists are shared statics, not
//! strings built per link, and a relation is read in one pass (nothing is
//! buffered unless it turns out not to be links).

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::wire::{position, Key};

wire_object! {
    @custom_debug
    /// One link object.
    ///
    /// Read the target with [`Link::href()`]. The `href` field says whether Okta
    /// sent one at all: `None` when the member was absent or `null`.
    ///
    /// `Debug` shows everything but the target of a one-time link: a link of
    /// relation `qrcode` or `send` formatted inside [`Links`], or a link whose
    /// `href` has the shape of Okta's QR code (`…/qr/{token}`) or activation
    /// `send` links (`…/lifecycle/activate/email`, `…/sms`) anywhere, shows
    /// `href: [REDACTED]`. The target is still sent and serialized as is, and
    /// readable through the API.
    pub struct Link {
        /// The link target as sent (`None`: absent or `null`). Most callers want
        /// [`Link::href()`], the target as `&str`.
        "href" => href: String,
        /// Link name, e.g. `sms` in a `resend` array.
        "name" => name: String,
        /// Media type of the target, e.g. `image/png` for a QR code.
        "type" => media_type: String,
        /// Whether `href` is a URI template.
        "templated" => templated: bool,
        /// Allowed HTTP methods.
        "hints" => hints: LinkHints,
    }
}

wire_object! {
    /// The `hints` of a link.
    pub struct LinkHints {
        /// Allowed HTTP methods, e.g. `["GET", "DELETE"]`.
        "allow" => allow: AllowedMethods,
    }
}

open_enum! {
    /// An HTTP method named in a link's `hints.allow`.
    pub enum HttpMethod {
        /// `GET`
        Get => "GET",
        /// `POST`
        Post => "POST",
        /// `PUT`
        Put => "PUT",
        /// `DELETE`
        Delete => "DELETE",
        /// `PATCH`
        Patch => "PATCH",
        /// `HEAD`
        Head => "HEAD",
        /// `OPTIONS`
        Options => "OPTIONS",
    }
}

/// The `hints.allow` lists Okta sends, shared instead of built per link.
static COMMON_ALLOW: &[&[HttpMethod]] = {
    use HttpMethod::{Delete, Get, Post, Put};
    &[
        &[Get],
        &[Post],
        &[Get, Delete],
        &[Delete],
        &[Put],
        &[Get, Post],
        &[Get, Put],
        &[Get, Put, Delete],
        &[Get, Post, Delete],
        &[Get, Post, Put, Delete],
    ]
};

/// A link's `hints.allow`: the methods its target accepts, in wire order. It
/// derefs to `[HttpMethod]`.
///
/// ```
/// use okta_factors::model::{HttpMethod, Link};
/// let link: Link = serde_json::from_str(
///     r#"{"href":"https://x.okta.com/f","hints":{"allow":["GET","DELETE"]}}"#,
/// ).unwrap();
/// assert_eq!(link.allowed_methods(), &[HttpMethod::Get, HttpMethod::Delete]);
/// assert!(link.allows(&HttpMethod::Delete));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct AllowedMethods(Cow<'static, [HttpMethod]>);

impl AllowedMethods {
    /// A list read from the wire: one of the usual lists is shared.
    fn interned(methods: &[HttpMethod]) -> Self {
        match COMMON_ALLOW.iter().find(|common| **common == methods) {
            Some(common) => Self(Cow::Borrowed(common)),
            None => Self(Cow::Owned(methods.to_vec())),
        }
    }
}

impl Deref for AllowedMethods {
    type Target = [HttpMethod];
    fn deref(&self) -> &[HttpMethod] {
        &self.0
    }
}

impl fmt::Debug for AllowedMethods {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.iter()).finish()
    }
}

impl From<Vec<HttpMethod>> for AllowedMethods {
    fn from(methods: Vec<HttpMethod>) -> Self {
        Self(Cow::Owned(methods))
    }
}

impl FromIterator<HttpMethod> for AllowedMethods {
    fn from_iter<I: IntoIterator<Item = HttpMethod>>(iter: I) -> Self {
        Self(Cow::Owned(iter.into_iter().collect()))
    }
}

impl Serialize for AllowedMethods {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AllowedMethods {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MethodsVisitor;
        impl<'de> Visitor<'de> for MethodsVisitor {
            type Value = AllowedMethods;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of HTTP methods")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AllowedMethods, A::Error> {
                // Short lists are collected on the stack and then shared when
                // they are one of the usual ones; longer ones go to a Vec.
                const SHORT: usize = 4;
                let mut short = [const { HttpMethod::Get }; SHORT];
                let mut len = 0;
                while let Some(method) = seq.next_element::<HttpMethod>()? {
                    if len == SHORT {
                        let mut methods = short.to_vec();
                        methods.push(method);
                        while let Some(method) = seq.next_element()? {
                            methods.push(method);
                        }
                        return Ok(AllowedMethods::from(methods));
                    }
                    short[len] = method;
                    len += 1;
                }
                Ok(AllowedMethods::interned(&short[..len]))
            }
        }
        deserializer.deserialize_seq(MethodsVisitor)
    }
}

/// Relation names Okta uses, shared instead of allocated per link.
const KNOWN_RELATIONS: &[&str] = &[
    "self",
    "user",
    "verify",
    "activate",
    "deactivate",
    "resend",
    "send",
    "poll",
    "cancel",
    "qrcode",
    "enroll",
    "questions",
    "factor",
    "next",
];

/// The known relation name spelled `rel`, if any.
fn known_relation(rel: &[u8]) -> Option<&'static str> {
    KNOWN_RELATIONS
        .iter()
        .find(|known| known.as_bytes() == rel)
        .copied()
}

impl Link {
    /// A link to `href` with nothing else set.
    pub fn new(href: impl Into<String>) -> Self {
        Self {
            href: Some(href.into()),
            ..Self::default()
        }
    }

    /// The link target. Follow it as given; never rebuild it.
    ///
    /// A link without a target (`href` absent or `null`) shows as `""`, which
    /// no request can be sent to; the [`href`](Link#structfield.href) field
    /// tells an empty target from a missing one.
    ///
    /// ```
    /// use okta_factors::model::Link;
    /// let link: Link = serde_json::from_str(r#"{"href":"https://x.okta.com/f"}"#).unwrap();
    /// assert_eq!(link.href(), "https://x.okta.com/f");
    /// let bare: Link = serde_json::from_str(r#"{"name":"sms"}"#).unwrap();
    /// assert_eq!(bare.href(), "");
    /// assert_eq!(bare.href, None);
    /// ```
    pub fn href(&self) -> &str {
        self.href.as_deref().unwrap_or_default()
    }

    /// Allowed methods from `hints.allow` (empty when absent).
    pub fn allowed_methods(&self) -> &[HttpMethod] {
        self.hints
            .as_ref()
            .and_then(|h| h.allow.as_deref())
            .unwrap_or_default()
    }

    /// Whether `hints.allow` names `method`.
    pub fn allows(&self, method: &HttpMethod) -> bool {
        self.allowed_methods().contains(method)
    }
}

/// The value of one link relation: a single link, an array of links, or
/// anything else, kept as sent. (`Debug` redacts one-time targets as [`Link`]
/// says, and secret-named members of a value kept as sent.)
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub enum LinkSet {
    /// `"rel": { "href": … }`
    One(Link),
    /// `"rel": [ { "href": … }, … ]`
    Many(Vec<Link>),
    /// Any other value (`null`, a string, an array of other things, an object
    /// whose link members have other types), exactly as sent. It holds no
    /// [`Link`]: [`LinkSet::as_slice`] is empty.
    Other(Value),
}

impl LinkSet {
    /// All links of the relation, whichever shape it had on the wire (none
    /// for [`LinkSet::Other`]).
    pub fn as_slice(&self) -> &[Link] {
        match self {
            Self::One(link) => std::slice::from_ref(link),
            Self::Many(links) => links,
            Self::Other(_) => &[],
        }
    }

    /// The first link of the relation.
    pub fn first(&self) -> Option<&Link> {
        self.as_slice().first()
    }
}

impl fmt::Debug for LinkSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::One(link) => f.debug_tuple("One").field(link).finish(),
            Self::Many(links) => f.debug_tuple("Many").field(links).finish(),
            // Kept as sent: secret members and one-time targets are redacted.
            Self::Other(value) => f
                .debug_tuple("Other")
                .field(&super::secret::LinkValue(value))
                .finish(),
        }
    }
}

impl Serialize for LinkSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::One(link) => link.serialize(serializer),
            Self::Many(links) => links.serialize(serializer),
            Self::Other(value) => value.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for LinkSet {
    /// Never fails on valid JSON: what is not a link object or an array of
    /// them is [`LinkSet::Other`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LinkSetVisitor;
        impl<'de> Visitor<'de> for LinkSetVisitor {
            type Value = LinkSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a link object, an array of link objects, or any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LinkSet, A::Error> {
                Ok(match read_link(map)? {
                    Loose::Typed(link) => LinkSet::One(link),
                    Loose::Null => LinkSet::Other(Value::Null),
                    Loose::Raw(raw) => LinkSet::Other(raw),
                })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LinkSet, A::Error> {
                let mut links = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
                while let Some(element) = seq.next_element::<LooseLink>()? {
                    match element.0 {
                        Loose::Typed(link) => links.push(link),
                        Loose::Null => return other_array(links, Value::Null, seq),
                        Loose::Raw(raw) => return other_array(links, raw, seq),
                    }
                }
                Ok(LinkSet::Many(links))
            }
            raw_visits!(LinkSet, LinkSet::Other);
        }
        deserializer.deserialize_any(LinkSetVisitor)
    }
}

/// An array relation with an element that is not a link object: the links
/// read so far, `element`, and the rest of the array, as sent.
fn other_array<'de, A: SeqAccess<'de>>(
    links: Vec<Link>,
    element: Value,
    mut seq: A,
) -> Result<LinkSet, A::Error> {
    let mut items = Vec::with_capacity(links.len() + 1);
    for link in &links {
        items.push(serde_json::to_value(link).map_err(de::Error::custom)?);
    }
    items.push(element);
    while let Some(item) = seq.next_element::<Value>()? {
        items.push(item);
    }
    Ok(LinkSet::Other(Value::Array(items)))
}

// ---------------------------------------------------------------------------
// Lenient reading: a link object, its hints and their `allow` list are read
// typed in one pass; at the first member of another type, what was read is
// turned back into JSON and the rest of the value is read as JSON.
// ---------------------------------------------------------------------------

/// A value of the expected shape, `null`, or other JSON as sent.
enum Loose<T> {
    Typed(T),
    Null,
    Raw(Value),
}

/// The `visit_*` methods of a lenient visitor for every JSON value that is
/// not the expected shape: each becomes `$raw(value)` (`null` too).
macro_rules! raw_visits {
    ($ty:ty, $raw:expr) => {
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<$ty, E> {
            Ok($raw(Value::Bool(v)))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
            Ok($raw(Value::from(v)))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
            Ok($raw(Value::from(v)))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
            Ok($raw(Value::from(v)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
            Ok($raw(Value::String(v.to_owned())))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<$ty, E> {
            Ok($raw(Value::String(v)))
        }
        fn visit_unit<E: de::Error>(self) -> Result<$ty, E> {
            Ok($raw(Value::Null))
        }
        fn visit_none<E: de::Error>(self) -> Result<$ty, E> {
            Ok($raw(Value::Null))
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<$ty, D::Error> {
            d.deserialize_any(self)
        }
    };
}
use raw_visits;

/// The `visit_*` methods, as [`raw_visits!`], of a visitor of a member whose
/// expected shape is an object or an array: `null` is [`Loose::Null`].
macro_rules! loose_visits {
    ($ty:ty) => {
        raw_visits!(Loose<$ty>, loose_raw);
    };
}

fn loose_raw<T>(value: Value) -> Loose<T> {
    match value {
        Value::Null => Loose::Null,
        value => Loose::Raw(value),
    }
}

/// A JSON object, as [`Value`] would read it.
fn raw_map<'de, A: MapAccess<'de>>(map: A) -> Result<Value, A::Error> {
    Value::deserialize(de::value::MapAccessDeserializer::new(map))
}

/// A JSON array, as [`Value`] would read it.
fn raw_seq<'de, A: SeqAccess<'de>>(seq: A) -> Result<Value, A::Error> {
    Value::deserialize(de::value::SeqAccessDeserializer::new(seq))
}

/// An object read typed up to member `key`, whose `value` has another type:
/// the object as sent (`typed` as JSON, then `key`, then the rest).
fn raw_rest<'de, A: MapAccess<'de>, T: Serialize>(
    typed: &T,
    key: &str,
    value: Value,
    mut map: A,
) -> Result<Value, A::Error> {
    let mut raw = match serde_json::to_value(typed).map_err(de::Error::custom)? {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    raw.insert(key.to_owned(), value);
    while let Some((key, value)) = map.next_entry::<String, Value>()? {
        raw.insert(key, value);
    }
    Ok(Value::Object(raw))
}

/// The bits of [`Link`]'s members in its `nulls`.
const HREF: usize = position(Link::FIELDS, "href");
const NAME: usize = position(Link::FIELDS, "name");
const TYPE: usize = position(Link::FIELDS, "type");
const TEMPLATED: usize = position(Link::FIELDS, "templated");
const HINTS: usize = position(Link::FIELDS, "hints");
const ALLOW: usize = position(LinkHints::FIELDS, "allow");
const _: () = assert!(
    HREF < Link::FIELDS.len()
        && NAME < Link::FIELDS.len()
        && TYPE < Link::FIELDS.len()
        && TEMPLATED < Link::FIELDS.len()
        && HINTS < Link::FIELDS.len()
        && ALLOW < LinkHints::FIELDS.len()
);

/// Stores a member read as JSON in `field` when it has type `T`: `Ok(true)`
/// when it was `null`, the value back when it has another type.
fn store<T>(
    value: Value,
    field: &mut Option<T>,
    typed: fn(Value) -> Result<T, Value>,
) -> Result<bool, Value> {
    match value {
        Value::Null => {
            *field = None;
            Ok(true)
        }
        value => {
            *field = Some(typed(value)?);
            Ok(false)
        }
    }
}

fn text(value: Value) -> Result<String, Value> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(other),
    }
}

fn boolean(value: Value) -> Result<bool, Value> {
    match value {
        Value::Bool(b) => Ok(b),
        other => Err(other),
    }
}

/// Reads a link object; a member of another type makes it [`Loose::Raw`].
fn read_link<'de, A: MapAccess<'de>>(mut map: A) -> Result<Loose<Link>, A::Error> {
    let mut link = Link::default();
    while let Some(key) = map.next_key::<Key<'de>>()? {
        // Scalar members are read as JSON (a string costs the same either
        // way) and then typed.
        let (bit, stored) = match key.as_bytes() {
            b"href" => (HREF, store(map.next_value()?, &mut link.href, text)),
            b"name" => (NAME, store(map.next_value()?, &mut link.name, text)),
            b"type" => (TYPE, store(map.next_value()?, &mut link.media_type, text)),
            b"templated" => (
                TEMPLATED,
                store(map.next_value()?, &mut link.templated, boolean),
            ),
            b"hints" => (
                HINTS,
                match map.next_value::<LooseHints>()?.0 {
                    Loose::Typed(hints) => {
                        link.hints = Some(hints);
                        Ok(false)
                    }
                    Loose::Null => {
                        link.hints = None;
                        Ok(true)
                    }
                    Loose::Raw(other) => Err(other),
                },
            ),
            _ => {
                let key = key.into_string()?;
                let value = map.next_value::<Value>()?;
                link.extra.insert(key, value);
                continue;
            }
        };
        match stored {
            Ok(null) => link.nulls.set(bit, null),
            Err(other) => {
                let raw = raw_rest(&link, Link::FIELDS[bit], other, map)?;
                return Ok(Loose::Raw(raw));
            }
        }
    }
    Ok(Loose::Typed(link))
}

/// An element of an array relation, or the value of `hints`: read leniently.
struct LooseLink(Loose<Link>);

impl<'de> Deserialize<'de> for LooseLink {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LooseLinkVisitor;
        impl<'de> Visitor<'de> for LooseLinkVisitor {
            type Value = Loose<Link>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Loose<Link>, A::Error> {
                read_link(map)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Loose<Link>, A::Error> {
                raw_seq(seq).map(Loose::Raw)
            }
            loose_visits!(Link);
        }
        deserializer
            .deserialize_any(LooseLinkVisitor)
            .map(LooseLink)
    }
}

/// `hints`, read leniently.
struct LooseHints(Loose<LinkHints>);

impl<'de> Deserialize<'de> for LooseHints {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LooseHintsVisitor;
        impl<'de> Visitor<'de> for LooseHintsVisitor {
            type Value = Loose<LinkHints>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Loose<LinkHints>, A::Error> {
                let mut hints = LinkHints::default();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    if key.as_bytes() != b"allow" {
                        let key = key.into_string()?;
                        let value = map.next_value::<Value>()?;
                        hints.extra.insert(key, value);
                        continue;
                    }
                    match map.next_value_seed(LooseMethods)? {
                        Loose::Typed(allow) => {
                            hints.allow = Some(allow);
                            hints.nulls.set(ALLOW, false);
                        }
                        Loose::Null => {
                            hints.allow = None;
                            hints.nulls.set(ALLOW, true);
                        }
                        Loose::Raw(other) => {
                            return raw_rest(&hints, "allow", other, map).map(Loose::Raw);
                        }
                    }
                }
                Ok(Loose::Typed(hints))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Loose<LinkHints>, A::Error> {
                raw_seq(seq).map(Loose::Raw)
            }
            loose_visits!(LinkHints);
        }
        deserializer
            .deserialize_any(LooseHintsVisitor)
            .map(LooseHints)
    }
}

/// `hints.allow`, read leniently.
struct LooseMethods;

impl<'de> DeserializeSeed<'de> for LooseMethods {
    type Value = Loose<AllowedMethods>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LooseMethods {
    type Value = Loose<AllowedMethods>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // As `AllowedMethods` reads itself: short lists on the stack, shared
        // when they are one of the usual ones.
        const SHORT: usize = 4;
        let mut short = [const { HttpMethod::Get }; SHORT];
        let mut len = 0;
        let mut long: Vec<HttpMethod> = Vec::new();
        while let Some(method) = seq.next_element::<LooseMethod>()? {
            let method = match method {
                LooseMethod::Method(method) => method,
                LooseMethod::Other(other) => {
                    let read = short[..len].iter().chain(&long);
                    let mut items: Vec<Value> =
                        read.map(|m| Value::String(m.as_str().to_owned())).collect();
                    items.push(other);
                    while let Some(item) = seq.next_element::<Value>()? {
                        items.push(item);
                    }
                    return Ok(Loose::Raw(Value::Array(items)));
                }
            };
            if len < SHORT {
                short[len] = method;
                len += 1;
            } else {
                long.push(method);
            }
        }
        Ok(Loose::Typed(if long.is_empty() {
            AllowedMethods::interned(&short[..len])
        } else {
            let mut methods = short.to_vec();
            methods.append(&mut long);
            AllowedMethods::from(methods)
        }))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        raw_map(map).map(Loose::Raw)
    }
    loose_visits!(AllowedMethods);
}

/// An element of `hints.allow`: a method, or other JSON as sent.
enum LooseMethod {
    Method(HttpMethod),
    Other(Value),
}

impl<'de> Deserialize<'de> for LooseMethod {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LooseMethodVisitor;
        impl<'de> Visitor<'de> for LooseMethodVisitor {
            type Value = LooseMethod;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LooseMethod, E> {
                Ok(LooseMethod::Method(HttpMethod::from(v)))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<LooseMethod, E> {
                Ok(LooseMethod::Method(HttpMethod::from(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LooseMethod, A::Error> {
                raw_map(map).map(LooseMethod::Other)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<LooseMethod, A::Error> {
                raw_seq(seq).map(LooseMethod::Other)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LooseMethod, E> {
                Ok(LooseMethod::Other(Value::Bool(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LooseMethod, E> {
                Ok(LooseMethod::Other(Value::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LooseMethod, E> {
                Ok(LooseMethod::Other(Value::from(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LooseMethod, E> {
                Ok(LooseMethod::Other(Value::from(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<LooseMethod, E> {
                Ok(LooseMethod::Other(Value::Null))
            }
            fn visit_none<E: de::Error>(self) -> Result<LooseMethod, E> {
                Ok(LooseMethod::Other(Value::Null))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<LooseMethod, D::Error> {
                d.deserialize_any(self)
            }
        }
        deserializer.deserialize_any(LooseMethodVisitor)
    }
}

/// The `_links` object: relations in wire order, unknown relations included.
///
/// `Debug` shows the relations as a map; the `href` of every link of a
/// one-time relation (`qrcode`, `send`) is `[REDACTED]`.
///
/// ```
/// use okta_factors::model::Links;
/// let links: Links = serde_json::from_str(
///     r#"{"resend":[{"name":"sms","href":"https://x.okta.com/r"}],"self":{"href":"https://x.okta.com/f"}}"#,
/// ).unwrap();
/// assert_eq!(links.resend()[0].name.as_deref(), Some("sms"));
/// assert_eq!(links.get("self").unwrap().href(), "https://x.okta.com/f");
/// ```
#[derive(Clone, Default)]
pub struct Links(Vec<(Cow<'static, str>, LinkSet)>);

/// Equal when the same relations have the same links, in any order (as JSON
/// objects compare).
impl PartialEq for Links {
    fn eq(&self, other: &Self) -> bool {
        self.0.len() == other.0.len()
            && self
                .0
                .iter()
                .all(|(rel, set)| other.0.iter().any(|(r, s)| r == rel && s == set))
    }
}

macro_rules! relation_accessors {
    ($( $(#[$doc:meta])* $method:ident => $rel:literal, )*) => {
        $( $(#[$doc])* pub fn $method(&self) -> Option<&Link> { self.get($rel) } )*
    };
}

impl Links {
    /// The first link of relation `rel`.
    pub fn get(&self, rel: &str) -> Option<&Link> {
        self.get_all(rel).first()
    }

    /// Every link of relation `rel` (empty when absent).
    pub fn get_all(&self, rel: &str) -> &[Link] {
        self.0
            .iter()
            .find(|(name, _)| *name == rel)
            .map(|(_, set)| set.as_slice())
            .unwrap_or_default()
    }

    /// Relations in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &LinkSet)> {
        self.0.iter().map(|(name, set)| (&**name, set))
    }

    /// Whether there are no relations.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets relation `rel`, replacing an earlier value.
    pub fn insert(&mut self, rel: impl Into<String>, set: LinkSet) {
        let rel = rel.into();
        let rel = match known_relation(rel.as_bytes()) {
            Some(known) => Cow::Borrowed(known),
            None => Cow::Owned(rel),
        };
        self.insert_cow(rel, set);
    }

    fn insert_cow(&mut self, rel: Cow<'static, str>, set: LinkSet) {
        match self.0.iter_mut().find(|(name, _)| *name == rel) {
            Some(slot) => slot.1 = set,
            None => self.0.push((rel, set)),
        }
    }

    /// All `resend` links (one per channel).
    pub fn resend(&self) -> &[Link] {
        self.get_all("resend")
    }

    /// All `send` links of a push activation (email, sms).
    pub fn send(&self) -> &[Link] {
        self.get_all("send")
    }

    relation_accessors! {
        /// `self`: the resource itself.
        self_link => "self",
        /// `poll`: the push transaction (or activation) to poll.
        poll => "poll",
        /// `cancel`: cancels a waiting push transaction.
        cancel => "cancel",
        /// `verify`: verifies the factor.
        verify => "verify",
        /// `activate`: activates the factor.
        activate => "activate",
        /// `deactivate`: unenrolls the factor.
        deactivate => "deactivate",
        /// `qrcode`: QR code image for enrollment on a device.
        qrcode => "qrcode",
        /// `enroll`: enrolls a supported factor.
        enroll => "enroll",
        /// `questions`: the supported security questions.
        questions => "questions",
        /// `user`: the user.
        user => "user",
        /// `factor`: the factor (on verify results).
        factor => "factor",
        /// `next`: the next lifecycle step.
        next => "next",
    }
}

impl Serialize for Links {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (rel, set) in &self.0 {
            map.serialize_entry(&**rel, set)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Links {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LinksVisitor;
        impl<'de> Visitor<'de> for LinksVisitor {
            type Value = Links;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a _links object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Links, A::Error> {
                let mut links = Links::default();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    let rel = match known_relation(key.as_bytes()) {
                        Some(known) => Cow::Borrowed(known),
                        None => Cow::Owned(key.into_string()?),
                    };
                    // Any value is kept (`null` too, as `LinkSet::Other`). A
                    // repeated relation replaces the earlier one, as in a JSON object.
                    let set = map.next_value::<LinkSet>()?;
                    links.insert_cow(rel, set);
                }
                Ok(links)
            }
        }
        deserializer.deserialize_map(LinksVisitor)
    }
}

// ---------------------------------------------------------------------------
// Debug: the targets of one-time links are never shown.

/// `Debug` of a link; `redact_href` hides its target.
fn fmt_link(link: &Link, redact_href: bool, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    use super::secret::{is_one_time_href, RedactedMap};
    let redact_href = redact_href || link.href.as_deref().is_some_and(is_one_time_href);
    let href: Option<&dyn fmt::Debug> = match &link.href {
        Some(_) if redact_href => Some(&Redacted),
        Some(href) => Some(href),
        None => None,
    };
    f.debug_struct("Link")
        .field("href", &href)
        .field("name", &link.name)
        .field("media_type", &link.media_type)
        .field("templated", &link.templated)
        .field("hints", &link.hints)
        .field("extra", &RedactedMap(&link.extra))
        .finish()
}

/// Shows `[REDACTED]`.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_link(self, false, f)
    }
}

/// A link of a one-time relation.
struct OneTimeLink<'a>(&'a Link);

impl fmt::Debug for OneTimeLink<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt_link(self.0, true, f)
    }
}

/// The links of one relation, as [`LinkSet`]'s `Debug` shows them.
struct LinkSetView<'a>(&'a LinkSet, bool);

impl fmt::Debug for LinkSetView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self(set, false) => set.fmt(f),
            Self(LinkSet::One(link), true) => {
                f.debug_tuple("One").field(&OneTimeLink(link)).finish()
            }
            Self(LinkSet::Many(links), true) => f
                .debug_tuple("Many")
                .field(&links.iter().map(OneTimeLink).collect::<Vec<_>>())
                .finish(),
            Self(LinkSet::Other(value), true) => f
                .debug_tuple("Other")
                .field(&super::secret::OneTimeLinkValue(value))
                .finish(),
        }
    }
}

impl fmt::Debug for Links {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use super::secret::ONE_TIME_RELATIONS;
        f.debug_map()
            .entries(self.0.iter().map(|(rel, set)| {
                let one_time = ONE_TIME_RELATIONS.contains(&&**rel);
                (rel, LinkSetView(set, one_time))
            }))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usual_allow_lists_are_shared_and_others_kept_in_order() {
        let usual: AllowedMethods = serde_json::from_str(r#"["GET","DELETE"]"#).unwrap();
        assert!(matches!(usual.0, Cow::Borrowed(_)));
        assert_eq!(&usual[..], &[HttpMethod::Get, HttpMethod::Delete]);

        let odd: AllowedMethods = serde_json::from_str(r#"["DELETE","GET","BREW"]"#).unwrap();
        assert!(matches!(odd.0, Cow::Owned(_)));
        assert_eq!(
            &odd[..],
            &[
                HttpMethod::Delete,
                HttpMethod::Get,
                HttpMethod::Other("BREW".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&odd).unwrap(),
            r#"["DELETE","GET","BREW"]"#
        );

        let long = r#"["GET","POST","PUT","DELETE","PATCH","HEAD"]"#;
        let long_methods: AllowedMethods = serde_json::from_str(long).unwrap();
        assert_eq!(long_methods.len(), 6);
        assert_eq!(serde_json::to_string(&long_methods).unwrap(), long);

        let empty: AllowedMethods = serde_json::from_str("[]").unwrap();
        assert!(empty.is_empty());
        assert!(serde_json::from_str::<AllowedMethods>(r#"["GET",5]"#).is_err());
        assert!(serde_json::from_str::<AllowedMethods>(r#""GET""#).is_err());
    }

    #[test]
    fn href_is_the_target_as_text_and_the_field_says_whether_it_was_sent() {
        let links: Links = serde_json::from_str(
            r#"{"self":{"href":"https://x.okta.com/f"},"poll":{"href":null},"cancel":{"href":""},"next":{}}"#,
        )
        .unwrap();
        let href = |rel| links.get(rel).map(|l: &Link| (l.href(), l.href.as_deref()));
        assert_eq!(
            href("self"),
            Some(("https://x.okta.com/f", Some("https://x.okta.com/f")))
        );
        assert_eq!(href("poll"), Some(("", None)));
        assert_eq!(href("cancel"), Some(("", Some(""))));
        assert_eq!(href("next"), Some(("", None)));
    }

    #[test]
    fn relation_names_are_shared_when_known() {
        let links: Links =
            serde_json::from_str(r#"{"self":{"href":"a"},"custom":{"href":"b"}}"#).unwrap();
        assert!(matches!(links.0[0].0, Cow::Borrowed("self")));
        assert!(matches!(&links.0[1].0, Cow::Owned(name) if name == "custom"));
        let mut built = Links::default();
        built.insert("custom", LinkSet::One(Link::new("b")));
        built.insert(String::from("self"), LinkSet::One(Link::new("a")));
        assert_eq!(built, links);
    }

    #[test]
    fn a_repeated_relation_keeps_the_last_value_like_a_json_object() {
        // Found by the `model_roundtrip` fuzz target: duplicates did not survive
        // a round trip through serde_json::Value.
        let links: Links = serde_json::from_str(
            r#"{"self":{"href":"a"},"poll":{"href":"p"},"self":[{"href":"b"}]}"#,
        )
        .unwrap();
        assert_eq!(links.iter().count(), 2);
        assert_eq!(links.self_link().unwrap().href(), "b");
        let value = serde_json::to_value(&links).unwrap();
        assert_eq!(serde_json::from_value::<Links>(value).unwrap(), links);
    }
}
