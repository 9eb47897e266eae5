//! The parsing code under measurement, shared by the timing benchmarks and the
//! allocation counts so both measure exactly the same calls.

use okta_factors_core::http::Response;
use okta_factors_core::model::{UserFactor, VerifyOutcome};
use okta_factors_core::operations::{GetFactor, ListFactors, VerifyFactor};
use okta_factors_core::{Error, OktaResponse, Operation};
use serde::de::IgnoredAny;
use serde_json::Value;

use crate::fixtures::{FACTOR_ID, USER_ID};
use crate::payloads::Kind;

/// The operations whose `parse_response` reads the payloads (built once).
#[derive(Debug)]
pub struct Parsers {
    list: ListFactors,
    get: GetFactor,
    verify: VerifyFactor,
}

/// What `parse_response` returned (the benchmarks drop it outside the
/// measurement).
// Not boxed: a box would add an allocation to what is measured.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Parsed {
    /// `list_factors`.
    Factors(Result<OktaResponse<Vec<UserFactor>>, Error>),
    /// `get_factor` (also for the error body).
    Factor(Result<OktaResponse<UserFactor>, Error>),
    /// `verify_factor`.
    Verify(Result<OktaResponse<VerifyOutcome>, Error>),
}

impl Parsed {
    /// Whether the response parsed into the operation's output.
    pub fn is_ok(&self) -> bool {
        match self {
            Self::Factors(r) => r.is_ok(),
            Self::Factor(r) => r.is_ok(),
            Self::Verify(r) => r.is_ok(),
        }
    }
}

impl Default for Parsers {
    fn default() -> Self {
        Self {
            list: ListFactors::new(USER_ID),
            get: GetFactor::new(USER_ID, FACTOR_ID),
            verify: VerifyFactor::new(USER_ID, FACTOR_ID),
        }
    }
}

impl Parsers {
    /// Parses `response` with the operation that receives a payload of `kind`
    /// (the error body with `get_factor`).
    pub fn parse_response(&self, kind: Kind, response: Response<&'static [u8]>) -> Parsed {
        match kind {
            Kind::List => Parsed::Factors(self.list.parse_response(response)),
            Kind::Factor | Kind::Error => Parsed::Factor(self.get.parse_response(response)),
            Kind::VerifyWaiting => Parsed::Verify(self.verify.parse_response(response)),
        }
    }
}

/// A body decoded straight into the typed model.
// Not boxed: a box would add an allocation to what is measured.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Typed {
    /// `Vec<UserFactor>`.
    Factors(Vec<UserFactor>),
    /// `UserFactor`.
    Factor(UserFactor),
}

/// Whether [`from_slice_typed`] applies to payloads of `kind` (lists and
/// single factors).
pub fn has_from_slice(kind: Kind) -> bool {
    matches!(kind, Kind::List | Kind::Factor)
}

/// `serde_json::from_slice::<Vec<UserFactor>>` (lists) or `::<UserFactor>`.
pub fn from_slice_typed(kind: Kind, bytes: &[u8]) -> serde_json::Result<Typed> {
    if kind == Kind::List {
        serde_json::from_slice(bytes).map(Typed::Factors)
    } else {
        serde_json::from_slice(bytes).map(Typed::Factor)
    }
}

/// The baseline: `serde_json::from_slice::<serde_json::Value>`.
pub fn value(bytes: &[u8]) -> serde_json::Result<Value> {
    serde_json::from_slice(bytes)
}

/// The floor: `serde_json::from_slice::<serde::de::IgnoredAny>` (validates,
/// builds nothing).
pub fn ignored_any(bytes: &[u8]) -> serde_json::Result<IgnoredAny> {
    serde_json::from_slice(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::response;
    use crate::payloads::ALL;

    #[test]
    fn every_payload_parses_as_its_operation_expects() {
        let parsers = Parsers::default();
        for p in ALL {
            let parsed = parsers.parse_response(p.kind, response(p.status, p.bytes));
            assert_eq!(parsed.is_ok(), p.kind != Kind::Error, "{}", p.name);
            if has_from_slice(p.kind) {
                from_slice_typed(p.kind, p.bytes).unwrap();
            }
            value(p.bytes).unwrap();
            ignored_any(p.bytes).unwrap();
        }
    }

    #[test]
    fn the_error_body_is_an_api_error() {
        let parsed = Parsers::default()
            .parse_response(Kind::Error, response(403, crate::payloads::ERROR_403.bytes));
        let Parsed::Factor(Err(Error::Api(api))) = parsed else {
            panic!("{parsed:?}")
        };
        assert_eq!(api.body.error_code.as_deref(), Some("E0000006"));
    }
}
