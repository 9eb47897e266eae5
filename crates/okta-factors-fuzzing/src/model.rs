//! Target `model_roundtrip`: any JSON that parses as a model serializes back
//! and reparses to the same value.
//!
//! Input: a JSON document, byte for byte (a spec example body is a seed).

use std::fmt::Debug;

use okta_factors_core::model::{
    ActivateOutcome, FactorEnrollment, SecurityQuestion, SupportedFactor, UserFactor, VerifyOutcome,
};
use okta_factors_core::operations::{ActivateFactorRequest, VerifyFactorRequest};
use okta_factors_core::OktaError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::known;

/// For each model (`UserFactor`, `Vec<UserFactor>`, `VerifyOutcome`,
/// `ActivateOutcome`, `OktaError`, `Vec<SupportedFactor>`,
/// `Vec<SecurityQuestion>`, and the request bodies `FactorEnrollment`,
/// `VerifyFactorRequest`, `ActivateFactorRequest`): if `data` parses as it,
/// then
/// * serializing and reparsing gives an equal value;
/// * the serialized JSON has no duplicate key in any object (so every JSON
///   reader, `serde_json::Value` included, sees what the model holds);
/// * through a `serde_json::Value` it reparses, and serializes back to the
///   same `Value`;
/// * serializing the reparsed value gives the same JSON again.
pub fn model_roundtrip(data: &[u8]) {
    if known::avoid(known::FLOAT_ROUNDTRIP) && has_float(data) {
        return;
    }
    round_trip::<UserFactor>(data);
    round_trip::<Vec<UserFactor>>(data);
    round_trip::<VerifyOutcome>(data);
    round_trip::<ActivateOutcome>(data);
    round_trip::<OktaError>(data);
    round_trip::<Vec<SupportedFactor>>(data);
    round_trip::<Vec<SecurityQuestion>>(data);
    round_trip::<FactorEnrollment>(data);
    round_trip::<VerifyFactorRequest>(data);
    round_trip::<ActivateFactorRequest>(data);
}

/// Whether the JSON document has a number that is not an integer.
fn has_float(data: &[u8]) -> bool {
    fn walk(v: &Value) -> bool {
        match v {
            Value::Number(n) => n.is_f64(),
            Value::Array(items) => items.iter().any(walk),
            Value::Object(map) => map.values().any(walk),
            _ => false,
        }
    }
    serde_json::from_slice::<Value>(data).is_ok_and(|v| walk(&v))
}

fn round_trip<T>(data: &[u8])
where
    T: DeserializeOwned + Serialize + PartialEq + Debug,
{
    let name = std::any::type_name::<T>();
    let Ok(value) = serde_json::from_slice::<T>(data) else {
        return;
    };
    let text = match serde_json::to_string(&value) {
        Ok(text) => text,
        Err(e) => panic_with(name, "serializing", &e, &value),
    };
    let again: T = match serde_json::from_str(&text) {
        Ok(again) => again,
        Err(e) => panic_with(name, &format!("reparsing {text}"), &e, &value),
    };
    assert_eq!(again, value, "{name}: reparsing {text} changed the value");

    if let Some((parent, key)) = duplicate_key(text.as_bytes()) {
        let known = parent == "_links" && known::avoid(known::LINKS_DUPLICATE_REL);
        assert!(
            known,
            "{name}: the serialized JSON has the key {key:?} twice in {parent:?}: {text}"
        );
    }

    let tree = match serde_json::to_value(&value) {
        Ok(tree) => tree,
        Err(e) => panic_with(name, "serializing to a Value", &e, &value),
    };
    let from_tree: T = match serde_json::from_value(tree.clone()) {
        Ok(v) => v,
        Err(e) => panic_with(name, &format!("reparsing the Value {tree}"), &e, &value),
    };
    assert_eq!(
        serde_json::to_value(&from_tree).ok(),
        Some(tree.clone()),
        "{name}: the Value {tree} does not serialize back to itself"
    );

    let text_again = serde_json::to_string(&again).unwrap_or_default();
    assert_eq!(
        serde_json::from_str::<Value>(&text_again).ok(),
        serde_json::from_str::<Value>(&text).ok(),
        "{name}: serializing is not stable: {text} then {text_again}"
    );
}

#[allow(clippy::panic)] // The harness reports a broken invariant by panicking.
fn panic_with<T: Debug>(name: &str, what: &str, error: &serde_json::Error, value: &T) -> ! {
    panic!("{name}: {what} failed: {error}; value {value:?}")
}

/// The first key found twice in one object of the JSON document, with the
/// key of that object (`""` at the top level or in an array).
pub fn duplicate_key(data: &[u8]) -> Option<(String, String)> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::collections::HashSet;
    use std::fmt;

    /// Walks any JSON value; `parent` is the key whose value it is.
    struct Walk<'a> {
        parent: String,
        found: &'a mut Option<(String, String)>,
    }

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq
                .next_element_seed(Walk {
                    parent: String::new(),
                    found: &mut *self.found,
                })?
                .is_some()
            {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut keys = HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                if !keys.insert(key.clone()) && self.found.is_none() {
                    *self.found = Some((self.parent.clone(), key.clone()));
                }
                map.next_value_seed(Walk {
                    parent: key,
                    found: &mut *self.found,
                })?;
            }
            Ok(())
        }
    }

    let mut found = None;
    let mut de = serde_json::Deserializer::from_slice(data);
    let walk = Walk {
        parent: String::new(),
        found: &mut found,
    };
    walk.deserialize(&mut de).ok()?;
    found
}
