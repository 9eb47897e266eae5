//! Building blocks of the structured (`arbitrary`-derived) fuzz inputs, and
//! their inverse: [`Encode`] writes the bytes that `arbitrary` decodes back into
//! the same value, so the seed corpus can be generated from readable values.
//!
//! `arbitrary`'s own `String` and `Vec` encodings depend on its version; the
//! types here use a fixed, simple encoding instead (a length byte, then the
//! bytes), and the derived structs only combine them with integers, `bool`s and
//! `Option`s, whose encodings are fixed (little-endian integers, `bool` = low
//! bit of a byte, `Option` = a `bool` then the value). `tests/corpus.rs` checks
//! that every generated seed decodes back to the value it was made from.

use arbitrary::{Arbitrary, Unstructured};

/// Decodes `data` the way `libfuzzer_sys::fuzz_target!` does for a typed target:
/// too-short inputs and inputs `arbitrary` rejects are skipped (`None`).
pub fn decode<'a, T: Arbitrary<'a>>(data: &'a [u8]) -> Option<T> {
    if data.len() < T::size_hint(0).0 {
        return None;
    }
    T::arbitrary_take_rest(Unstructured::new(data)).ok()
}

/// A string of at most 255 bytes: one length byte, then that many bytes
/// (fewer if the input ends), decoded as lossy UTF-8.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl Text {
    /// The string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

impl<'a> Arbitrary<'a> for Text {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let bytes = Bytes::arbitrary(u)?;
        Ok(Self(String::from_utf8_lossy(&bytes.0).into_owned()))
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, Some(256))
    }
}

/// At most 255 raw bytes: one length byte, then that many bytes (fewer if the
/// input ends).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bytes(pub Vec<u8>);

impl From<&[u8]> for Bytes {
    fn from(b: &[u8]) -> Self {
        Self(b.to_vec())
    }
}

impl<'a> Arbitrary<'a> for Bytes {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let len = usize::from(u8::arbitrary(u)?);
        let bytes = u.bytes(len.min(u.len()))?;
        Ok(Self(bytes.to_vec()))
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, Some(256))
    }
}

/// The header names the policies read, plus a few they must ignore; a name
/// byte past the list means "the next [`Text`] is the name".
pub const HEADER_NAMES: &[&str] = &[
    "date",
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
    "x-okta-request-id",
    "retry-after",
    "content-type",
    "x-okta-retry-count",
];

/// Up to 16 response headers: a count byte (mod 17), then per header a name
/// byte (an index into [`HEADER_NAMES`], or a byte `>= HEADER_NAMES.len()`
/// followed by the name as [`Bytes`]) and the value as [`Bytes`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderList(pub Vec<(HeaderKey, Bytes)>);

/// The name of one header in a [`HeaderList`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderKey {
    /// `HEADER_NAMES[index]`.
    Known(u8),
    /// Any bytes (usually not a valid header name).
    Raw(Bytes),
}

impl HeaderKey {
    /// A known name by its text (index into [`HEADER_NAMES`]), else raw.
    pub fn named(name: &str) -> Self {
        match HEADER_NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
        {
            Some(i) => Self::Known(u8::try_from(i).unwrap_or(u8::MAX)),
            None => Self::Raw(Bytes(name.as_bytes().to_vec())),
        }
    }

    /// The name's bytes.
    pub fn name(&self) -> &[u8] {
        match self {
            Self::Known(i) => HEADER_NAMES
                .get(usize::from(*i))
                .map_or(&b""[..], |n| n.as_bytes()),
            Self::Raw(b) => &b.0,
        }
    }
}

impl HeaderList {
    /// A list from `(name, value)` pairs.
    pub fn from_pairs<'p>(pairs: impl IntoIterator<Item = (&'p str, &'p str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .take(16)
                .map(|(n, v)| (HeaderKey::named(n), Bytes(v.as_bytes().to_vec())))
                .collect(),
        )
    }

    /// The headers that are valid HTTP headers (the others are dropped, as a
    /// transport would never deliver them).
    pub fn to_header_map(&self) -> http::HeaderMap {
        let mut map = http::HeaderMap::new();
        for (key, value) in &self.0 {
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(key.name()),
                http::HeaderValue::from_bytes(&value.0),
            ) {
                map.append(name, value);
            }
        }
        map
    }
}

impl<'a> Arbitrary<'a> for HeaderList {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let count = u8::arbitrary(u)? % 17;
        let mut pairs = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let index = u8::arbitrary(u)?;
            let key = if usize::from(index) < HEADER_NAMES.len() {
                HeaderKey::Known(index)
            } else {
                HeaderKey::Raw(Bytes::arbitrary(u)?)
            };
            pairs.push((key, Bytes::arbitrary(u)?));
        }
        Ok(Self(pairs))
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, None)
    }
}

/// Writes the bytes that `arbitrary` decodes back into `self`.
pub trait Encode {
    /// Appends the encoding of `self` to `out`.
    fn encode(&self, out: &mut Vec<u8>);

    /// The encoding of `self`.
    fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

macro_rules! encode_int {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
encode_int!(u8, u16, u32, u64);

impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
}

impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.is_some().encode(out);
        if let Some(value) = self {
            value.encode(out);
        }
    }
}

impl Encode for Bytes {
    fn encode(&self, out: &mut Vec<u8>) {
        let bytes = &self.0[..self.0.len().min(255)];
        out.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(bytes);
    }
}

impl Encode for Text {
    fn encode(&self, out: &mut Vec<u8>) {
        // Cut at a character boundary so that the prefix stays valid UTF-8.
        let mut end = self.0.len().min(255);
        while !self.0.is_char_boundary(end) {
            end -= 1;
        }
        Bytes(self.0.as_bytes()[..end].to_vec()).encode(out);
    }
}

impl Encode for HeaderList {
    fn encode(&self, out: &mut Vec<u8>) {
        let pairs = &self.0[..self.0.len().min(16)];
        out.push(u8::try_from(pairs.len()).unwrap_or(16));
        for (key, value) in pairs {
            match key {
                HeaderKey::Known(i) => out.push(*i),
                HeaderKey::Raw(name) => {
                    out.push(u8::MAX);
                    name.encode(out);
                }
            }
            value.encode(out);
        }
    }
}
