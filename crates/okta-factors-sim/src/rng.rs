//! A tiny seeded PRNG (SplitMix64): deterministic IDs, OTPs, secrets and
//! request IDs for a given seed. Not cryptographic, and it need not be.

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// SplitMix64.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform value in `0..n` (`0` when `n` is 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Rejection sampling: no modulo bias.
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    /// A uniform value in `low..=high`.
    pub(crate) fn range(&mut self, low: u32, high: u32) -> u32 {
        let span = u64::from(high.saturating_sub(low)) + 1;
        low.saturating_add(u32::try_from(self.below(span)).unwrap_or(0))
    }

    fn pick_from(&mut self, alphabet: &[u8], len: usize) -> String {
        let n = alphabet.len() as u64;
        (0..len)
            .map(|_| {
                let i = usize::try_from(self.below(n)).unwrap_or(0);
                char::from(alphabet.get(i).copied().unwrap_or(b'0'))
            })
            .collect()
    }

    /// `len` characters of `[0-9A-Za-z]`.
    pub(crate) fn alnum(&mut self, len: usize) -> String {
        self.pick_from(BASE62, len)
    }

    /// `len` characters of `[A-Za-z0-9_-]`.
    pub(crate) fn base64url(&mut self, len: usize) -> String {
        self.pick_from(BASE64URL, len)
    }

    /// `len` decimal digits.
    pub(crate) fn digits(&mut self, len: usize) -> String {
        self.pick_from(b"0123456789", len)
    }

    /// `len` random bytes.
    pub(crate) fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next_u64().to_le_bytes()[0]).collect()
    }
}

/// `n` in base 62, left-padded with `0` to `width`.
pub(crate) fn base62(mut n: u64, width: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        out.push(BASE62[usize::try_from(n % 62).unwrap_or(0)]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        assert_eq!(a.alnum(20), b.alnum(20));
        for _ in 0..1000 {
            let v = a.range(10, 99);
            assert!((10..=99).contains(&v));
        }
        assert_eq!(a.digits(6).len(), 6);
        assert_eq!(base62(61, 3), "00z");
        assert_eq!(base62(62, 1), "10");
    }
}
