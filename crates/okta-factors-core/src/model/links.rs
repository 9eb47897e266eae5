//! HAL links (`_links`). On the wire every relation may be one link object or an
//! array of them (Okta sends `resend` and activation `send` as arrays although the
//! spec says object), so [`LinkSet`] accepts both and writes back what it read.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};

use super::wire::Key;

wire_object! {
    /// One link object.
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
        "allow" => allow: Vec<String>,
    }
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
    pub fn allowed_methods(&self) -> &[String] {
        self.hints
            .as_ref()
            .and_then(|h| h.allow.as_deref())
            .unwrap_or_default()
    }
}

/// The value of one link relation: a single link or an array of links.
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
/// ```
/// use okta_factors_core::model::Links;
/// let links: Links = serde_json::from_str(
///     r#"{"resend":[{"name":"sms","href":"https://x.okta.com/r"}],"self":{"href":"https://x.okta.com/f"}}"#,
/// ).unwrap();
/// assert_eq!(links.resend()[0].name.as_deref(), Some("sms"));
/// assert_eq!(links.get("self").unwrap().href_str(), "https://x.okta.com/f");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Links(Vec<(String, LinkSet)>);

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
            .find(|(name, _)| name == rel)
            .map(|(_, set)| set.as_slice())
            .unwrap_or_default()
    }

    /// Relations in wire order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &LinkSet)> {
        self.0.iter().map(|(name, set)| (name.as_str(), set))
    }

    /// Whether there are no relations.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Sets relation `rel`, replacing an earlier value.
    pub fn insert(&mut self, rel: impl Into<String>, set: LinkSet) {
        let rel = rel.into();
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
            map.serialize_entry(rel, set)?;
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
                while let Some(Key(rel)) = map.next_key()? {
                    // `"rel": null` carries no link: skip it rather than fail.
                    // A repeated relation replaces the earlier one, as in a JSON object.
                    if let Some(set) = map.next_value::<Option<LinkSet>>()? {
                        links.insert(rel.into_owned(), set);
                    }
                }
                Ok(links)
            }
        }
        deserializer.deserialize_map(LinksVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
