//! The shared benchmark payloads (`payloads/`, copied unchanged from the
//! project's shared bench set so figures compare with other clients measured on
//! the same bytes).

/// What a payload is the response of, and so which operation parses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `list_factors`: a JSON array of factors (`200`).
    List,
    /// `get_factor`: one factor (`200`).
    Factor,
    /// `verify_factor`: a push result waiting for the user (`201`).
    VerifyWaiting,
    /// An Okta error body (`403`).
    Error,
}

/// One payload.
#[derive(Debug, Clone, Copy)]
pub struct Payload {
    /// The file name without `.json`; also the benchmark parameter.
    pub name: &'static str,
    /// The bytes, as in the file.
    pub bytes: &'static [u8],
    /// What it is the response of.
    pub kind: Kind,
    /// The HTTP status it comes with.
    pub status: u16,
    /// Number of factors in a `list_factors` payload (1 otherwise).
    pub factors: usize,
}

/// `list_factors` with one sms factor.
pub const FACTORS_1: Payload = Payload {
    name: "factors-1",
    bytes: include_bytes!("../payloads/factors-1.json"),
    kind: Kind::List,
    status: 200,
    factors: 1,
};

/// `list_factors` with one factor of each of the 13 types.
pub const FACTORS_13: Payload = Payload {
    name: "factors-13",
    bytes: include_bytes!("../payloads/factors-13.json"),
    kind: Kind::List,
    status: 200,
    factors: 13,
};

/// `list_factors` with 1,000 factors (the same mix).
pub const FACTORS_1000: Payload = Payload {
    name: "factors-1000",
    bytes: include_bytes!("../payloads/factors-1000.json"),
    kind: Kind::List,
    status: 200,
    factors: 1000,
};

/// `get_factor`: one sms factor.
pub const GET_FACTOR: Payload = Payload {
    name: "get-factor",
    bytes: include_bytes!("../payloads/get-factor.json"),
    kind: Kind::Factor,
    status: 200,
    factors: 1,
};

/// `verify_factor`: a number-matching push, `WAITING`.
pub const VERIFY_WAITING: Payload = Payload {
    name: "verify-waiting",
    bytes: include_bytes!("../payloads/verify-waiting.json"),
    kind: Kind::VerifyWaiting,
    status: 201,
    factors: 1,
};

/// An Okta error body (`E0000006`, 403).
pub const ERROR_403: Payload = Payload {
    name: "error-403",
    bytes: include_bytes!("../payloads/error-403.json"),
    kind: Kind::Error,
    status: 403,
    factors: 1,
};

/// Every payload, in table order.
pub const ALL: [Payload; 6] = [
    FACTORS_1,
    FACTORS_13,
    FACTORS_1000,
    GET_FACTOR,
    VERIFY_WAITING,
    ERROR_403,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_the_shared_files() {
        assert_eq!(FACTORS_1.bytes.len(), 625);
        assert_eq!(FACTORS_13.bytes.len(), 9127);
        assert_eq!(FACTORS_1000.bytes.len(), 701_960);
    }

    #[test]
    fn list_payloads_hold_the_stated_number_of_factors() {
        for p in ALL.iter().filter(|p| p.kind == Kind::List) {
            let list: Vec<serde_json::Value> = serde_json::from_slice(p.bytes).unwrap();
            assert_eq!(list.len(), p.factors, "{}", p.name);
        }
    }
}
