//! List elements that did not decode: [`Malformed`] (a catalog entry, a
//! security question) and [`MalformedFactor`] (a factor).
//!
//! One element of another shape than this version expects (a member of another
//! type, say) never fails the list it is in: the other elements are decoded as
//! usual, and the odd one is kept exactly as sent, with the error that says
//! what did not decode and where.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

use super::secret::RedactedValue;
use super::{Factor, FactorType, Links};
use crate::operation::BodyError;

/// A list element that did not decode as its type: the JSON exactly as sent,
/// and why.
///
/// `list_supported_factors` and `list_supported_security_questions` give one
/// `Result<_, Malformed>` per element, so one odd entry costs nothing to the
/// others; `?` turns it into an error of the caller's.
///
/// ```
/// use okta_factors::{operations::ListSupportedSecurityQuestions, Operation};
/// let response = http::Response::builder()
///     .header("content-type", "application/json")
///     .body(r#"[{"question":"disliked_food","questionText":"What is the food you least liked as a child?"},
///               {"question":7}]"#)
///     .unwrap();
/// let questions = ListSupportedSecurityQuestions::new("00u1").parse_response(response).unwrap().value;
/// assert_eq!(questions[0].as_ref().unwrap().question.as_deref(), Some("disliked_food"));
/// let odd = questions[1].as_ref().unwrap_err();
/// assert_eq!(odd.error().path, "question");
/// assert_eq!(odd.raw(), &serde_json::json!({"question": 7}));
/// ```
#[derive(Clone, PartialEq, thiserror::Error)]
#[error("list element did not decode at {}: {}", error.path, error.message)]
#[non_exhaustive]
pub struct Malformed {
    raw: Value,
    error: BodyError,
}

impl Malformed {
    /// An element kept as `raw`, which did not decode because of `error`.
    pub(crate) fn new(raw: Value, error: BodyError) -> Self {
        Self { raw, error }
    }

    /// The element exactly as sent. It may hold secrets: it is not shown in
    /// `Debug` but redacted there.
    pub fn raw(&self) -> &Value {
        &self.raw
    }

    /// The element exactly as sent.
    pub fn into_raw(self) -> Value {
        self.raw
    }

    /// What did not decode: the path inside the element (e.g.
    /// `profile.phoneExtension`) and the reason (a secret member's value is
    /// never quoted).
    pub fn error(&self) -> &BodyError {
        &self.error
    }
}

impl fmt::Debug for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Malformed")
            .field("raw", &RedactedValue(&self.raw, false))
            .field("error", &self.error)
            .finish()
    }
}

/// Serializes as the element was sent.
impl Serialize for Malformed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

/// A factor of a `list_factors` answer that did not decode as its type (see
/// [`UserFactor::Malformed`](super::UserFactor::Malformed)): the JSON exactly as
/// sent, the error, and the members that could be read.
///
/// ```
/// use okta_factors::{model::{FactorType, UserFactor}, operations::ListFactors, Operation};
/// let response = http::Response::builder()
///     .header("content-type", "application/json")
///     .body(r#"[{"id":"sms1","factorType":"sms","status":"ACTIVE","profile":{"phoneNumber":"+15554151337"}},
///               {"id":"clf1","factorType":"call","status":"ACTIVE",
///                "profile":{"phoneNumber":"+15554151337","phoneExtension":1234}}]"#)
///     .unwrap();
/// let factors = ListFactors::new("00u1").parse_response(response).unwrap().value;
/// assert!(matches!(factors[0], UserFactor::Sms(_)));
/// let UserFactor::Malformed(call) = &factors[1] else { panic!() };
/// // The envelope still reads through `UserFactor`'s accessors.
/// assert_eq!((factors[1].id(), factors[1].factor_type()), (Some("clf1"), FactorType::Call));
/// assert_eq!(call.error().path, "profile.phoneExtension");
/// assert_eq!(call.raw()["profile"]["phoneExtension"], 1234);
/// // It serializes back exactly as it came.
/// assert_eq!(&serde_json::to_value(&factors[1]).unwrap(), call.raw());
/// ```
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct MalformedFactor {
    malformed: Malformed,
    factor_type: Option<String>,
    factor: Factor<Value>,
}

impl MalformedFactor {
    /// The factor `raw`, which did not decode because of `error`, with what
    /// can be read of it.
    pub(crate) fn new(raw: Value, error: BodyError) -> Self {
        let mut factor = Factor::<Value>::default();
        let mut factor_type = None;
        if let Value::Object(members) = &raw {
            for (key, value) in members {
                let read = match key.as_str() {
                    "factorType" => match value {
                        Value::String(t) => {
                            factor_type = Some(t.clone());
                            true
                        }
                        _ => false,
                    },
                    "id" => read(value, &mut factor.id),
                    "provider" => read(value, &mut factor.provider),
                    "vendorName" => read(value, &mut factor.vendor_name),
                    "status" => read(value, &mut factor.status),
                    "created" => read(value, &mut factor.created),
                    "lastUpdated" => read(value, &mut factor.last_updated),
                    "factorProfileId" => read(value, &mut factor.factor_profile_id),
                    "profile" => read(value, &mut factor.profile),
                    "_links" => match Links::deserialize(value) {
                        Ok(links) => {
                            factor.links = links;
                            true
                        }
                        Err(_) => false,
                    },
                    "_embedded" => read(value, &mut factor.embedded),
                    _ => false,
                };
                if !read {
                    factor.extra.insert(key.clone(), value.clone());
                }
            }
        }
        Self {
            malformed: Malformed::new(raw, error),
            factor_type,
            factor,
        }
    }

    /// The factor exactly as sent (what it serializes to). It may hold
    /// secrets: it is not shown in `Debug` but redacted there.
    pub fn raw(&self) -> &Value {
        self.malformed.raw()
    }

    /// The factor exactly as sent.
    pub fn into_raw(self) -> Value {
        self.malformed.into_raw()
    }

    /// What did not decode: the path inside the factor (e.g.
    /// `profile.phoneExtension`) and the reason.
    pub fn error(&self) -> &BodyError {
        self.malformed.error()
    }

    /// The element and its error as a [`Malformed`].
    pub fn malformed(&self) -> &Malformed {
        &self.malformed
    }

    /// `factorType` as sent, when it is a string.
    pub fn factor_type(&self) -> Option<&str> {
        self.factor_type.as_deref()
    }

    /// The members that could be read, with the profile as JSON; a member of
    /// another type than its model is in `extra`. This is a view: the factor
    /// serializes as [`MalformedFactor::raw`].
    pub fn factor(&self) -> &Factor<Value> {
        &self.factor
    }

    /// The factor type for [`UserFactor::factor_type`](super::UserFactor::factor_type):
    /// `Other("")` without a string `factorType`.
    pub(crate) fn typed_factor_type(&self) -> FactorType {
        FactorType::from(self.factor_type.as_deref().unwrap_or_default())
    }
}

/// Reads a member of a malformed factor into `field`; `false` when it has
/// another type than its model.
fn read<T: for<'de> Deserialize<'de>>(value: &Value, field: &mut Option<T>) -> bool {
    match Option::<T>::deserialize(value) {
        Ok(read) => {
            *field = read;
            true
        }
        Err(_) => false,
    }
}

impl fmt::Display for MalformedFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "factor did not decode at {}: {}",
            self.error().path,
            self.error().message
        )
    }
}

impl fmt::Debug for MalformedFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MalformedFactor")
            .field("factor_type", &self.factor_type)
            .field("error", self.error())
            .field("factor", &self.factor)
            .field("raw", &RedactedValue(self.raw(), false))
            .finish()
    }
}

impl Serialize for MalformedFactor {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw().serialize(serializer)
    }
}
