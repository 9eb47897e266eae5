//! The UserFactor API's data model: factors, verify results, catalog entries,
//! questions, links, and the request bodies.
//!
//! Every type keeps what it does not understand: open enums keep unknown strings
//! (`Other`), objects keep unknown members (`extra`) and the members sent as
//! `null`, an unknown `factorType` becomes [`UserFactor::Unknown`], a link
//! relation of any other shape is [`LinkSet::Other`]. Parsing then serializing
//! gives back the same JSON value.
//!
//! In a list, an element that does not decode as its type (a member of
//! another type, say) does not fail the list: it is kept exactly as sent, with
//! its error, as [`UserFactor::Malformed`] in `list_factors` and as an
//! `Err(`[`Malformed`]`)` element in the catalog and the questions.

pub(crate) mod wire;

mod catalog;
mod embedded;
mod enrollment;
mod enums;
mod factor;
mod links;
mod malformed;
mod profiles;
mod secret;
mod verify;

pub use catalog::{SecurityQuestion, SupportedFactor};
pub use embedded::{Activation, CatalogPhone, Challenge, Embedded, TotpActivation};
pub use enrollment::{EnrollmentProfile, EnrollmentVerify, FactorEnrollment, TotpProvider};
pub use enums::{EnrollmentRequirement, FactorProvider, FactorResult, FactorStatus, FactorType};
pub use factor::{Factor, UnknownFactor, UserFactor};
pub use links::{AllowedMethods, HttpMethod, Link, LinkHints, LinkSet, Links};
pub use malformed::{Malformed, MalformedFactor};
pub use profiles::{
    CallProfile, EmailProfile, HotpProfile, PushProfile, QuestionProfile, SignedNonceKey,
    SignedNonceProfile, SmsProfile, TokenProfile, U2fProfile, WebAuthnProfile, WebProfile,
};
pub use secret::Secret;
pub(crate) use secret::{is_secret_path, Member, RawJsonMember, RedactedMap, TypedMember};
pub use verify::{ActivateOutcome, PushWaiting, VerifyOutcome, VerifyResponse};
