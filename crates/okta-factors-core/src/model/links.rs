//! HAL links (`_links`). On the wire every relation may be one link object or an
//! array of them (Okta sends `resend` and activation `send` as arrays although the
//! spec says object), so [`LinkSet`] accepts both and writes back what it read.
//!
//! A factor list is mostly links, so reading them allocates little: relation
//! names Okta uses and the usual `hints.allow` lists are shared statics, not
//! strings built per link.

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::wire::Key;

wire_object! {
    @custom_debug
    /// One link object.
    ///
    /// `Debug` shows everything but the target of a one-time link: a link of
    /// relation `qrcode` or `send` formatted inside [`Links`], or a link whose
    /// `href` has the shape of Okta's QR code (`…/qr/{token}`) or activation
    /// `send` links (`…/lifecycle/activate/email`, `…/sms`) anywhere, shows
    /// `href: [REDACTED]`. The target is still sent and serialized as is, and
    /// readable through the API.
    pub struct Link {
        /// The link target. Follow it as given; never rebuild it.
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

/// A link's `hints.allow`: the methods its target accepts, in wire order.
///
/// ```
/// use okta_factors_core::model::{HttpMethod, Link};
/// let link: Link = serde_json::from_str(
///     r#"{"href":"https://x.okta.com/f","hints":{"allow":["GET","DELETE"]}}"#,
/// ).unwrap();
/// assert_eq!(link.allowed_methods(), &[HttpMethod::Get, HttpMethod::Delete]);
/// assert!(link.allows(&HttpMethod::Delete));
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct AllowedMethods(Cow<'static, [HttpMethod]>);

impl AllowedMethods {
    /// The methods as a slice.
    pub fn as_slice(&self) -> &[HttpMethod] {
        &self.0
    }

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

    /// The target, or `""` when Okta sent none.
    pub fn href_str(&self) -> &str {
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

/// The value of one link relation: a single link or an array of links.
/// (`Debug` redacts one-time targets as [`Link`] says.)
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum LinkSet {
    /// `"rel": { "href": … }`
    One(Link),
    /// `"rel": [ { "href": … }, … ]`
    Many(Vec<Link>),
}

impl LinkSet {
    /// All links of the relation, whichever shape it had on the wire.
    pub fn as_slice(&self) -> &[Link] {
        match self {
            Self::One(link) => std::slice::from_ref(link),
            Self::Many(links) => links,
        }
    }

    /// The first link of the relation.
    pub fn first(&self) -> Option<&Link> {
        self.as_slice().first()
    }
}

impl Serialize for LinkSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::One(link) => link.serialize(serializer),
            Self::Many(links) => links.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for LinkSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LinkSetVisitor;
        impl<'de> Visitor<'de> for LinkSetVisitor {
            type Value = LinkSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a link object or an array of link objects")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<LinkSet, A::Error> {
                Link::deserialize(de::value::MapAccessDeserializer::new(map)).map(LinkSet::One)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<LinkSet, A::Error> {
                Vec::<Link>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(LinkSet::Many)
            }
        }
        deserializer.deserialize_any(LinkSetVisitor)
    }
}

/// The `_links` object: relations in wire order, unknown relations included.
///
/// `Debug` shows the relations as a map; the `href` of every link of a
/// one-time relation (`qrcode`, `send`) is `[REDACTED]`.
///
/// ```
/// use okta_factors_core::model::Links;
/// let links: Links = serde_json::from_str(
///     r#"{"resend":[{"name":"sms","href":"https://x.okta.com/r"}],"self":{"href":"https://x.okta.com/f"}}"#,
/// ).unwrap();
/// assert_eq!(links.resend()[0].name.as_deref(), Some("sms"));
/// assert_eq!(links.get("self").unwrap().href_str(), "https://x.okta.com/f");
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
                    // `"rel": null` carries no link: skip it rather than fail.
                    // A repeated relation replaces the earlier one, as in a JSON object.
                    if let Some(set) = map.next_value::<Option<LinkSet>>()? {
                        links.insert_cow(rel, set);
                    }
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
        assert_eq!(usual.as_slice(), &[HttpMethod::Get, HttpMethod::Delete]);

        let odd: AllowedMethods = serde_json::from_str(r#"["DELETE","GET","BREW"]"#).unwrap();
        assert!(matches!(odd.0, Cow::Owned(_)));
        assert_eq!(
            odd.as_slice(),
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
        assert_eq!(links.self_link().unwrap().href_str(), "b");
        let value = serde_json::to_value(&links).unwrap();
        assert_eq!(serde_json::from_value::<Links>(value).unwrap(), links);
    }
}
