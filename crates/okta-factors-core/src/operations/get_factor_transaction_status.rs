//! `get_factor_transaction_status`: [Retrieve a factor transaction status](https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserFactor/#tag/UserFactor/operation/getFactorTransactionStatus).
//!
//! `GET /api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}`
//! → `200` the push transaction ([`VerifyOutcome`]: `WAITING`, `SUCCESS`,
//! `REJECTED`, `TIMEOUT`, …).

use http::{Method, StatusCode};

use crate::model::{PushWaiting, VerifyOutcome};
use crate::operation::{BodyError, Operation, RequestParts};
use crate::{decode_json, InputError};

/// Retrieves the state of a push verification. Transaction IDs may contain dots
/// (`v2mst.GldKV5VxTrifyeZmWSQguA`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetFactorTransactionStatus {
    user_id: String,
    factor_id: String,
    transaction_id: String,
}

impl GetFactorTransactionStatus {
    /// Polls `transaction_id` of `factor_id` of `user_id`.
    pub fn new(
        user_id: impl Into<String>,
        factor_id: impl Into<String>,
        transaction_id: impl Into<String>,
    ) -> Self {
        Self {
            user_id: user_id.into(),
            factor_id: factor_id.into(),
            transaction_id: transaction_id.into(),
        }
    }

    /// Polls the transaction of a waiting push, by its transaction ID.
    /// `None` if the poll link has no transaction ID (push activations).
    pub fn for_waiting(
        user_id: impl Into<String>,
        factor_id: impl Into<String>,
        waiting: &PushWaiting,
    ) -> Option<Self> {
        Some(Self::new(user_id, factor_id, waiting.transaction_id()?))
    }
}

impl Operation for GetFactorTransactionStatus {
    type Output = VerifyOutcome;
    const NAME: &'static str = "get_factor_transaction_status";
    const METHOD: Method = Method::GET;
    const PATH_TEMPLATE: &'static str =
        "/api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}";

    fn request_parts(&self) -> Result<RequestParts<'_>, InputError> {
        Ok(RequestParts::new(vec![
            self.user_id.as_str(),
            self.factor_id.as_str(),
            self.transaction_id.as_str(),
        ]))
    }

    fn parse_success(&self, _: StatusCode, body: &[u8]) -> Result<Self::Output, BodyError> {
        decode_json(body)
    }
}
