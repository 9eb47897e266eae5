//! Catalog entries (`list_supported_factors`) and security questions.

use super::{Embedded, EnrollmentRequirement, FactorProvider, FactorStatus, FactorType, Links};

wire_object! {
    /// A factor the user may enroll (`GET /factors/catalog`). Catalog entries are
    /// partial factors: no ID, often no status.
    pub struct SupportedFactor {
        /// Factor type.
        "factorType" => factor_type: FactorType,
        /// Provider.
        "provider" => provider: FactorProvider,
        /// Vendor name.
        "vendorName" => vendor_name: String,
        /// Status.
        "status" => status: FactorStatus,
        /// `REQUIRED` or `OPTIONAL` for this user.
        "enrollment" => enrollment: EnrollmentRequirement,
        /// `_links` (`enroll`, `questions`).
        "_links" => links: Links,
        /// `_embedded` (`phones` on the sms entry).
        "_embedded" => embedded: Box<Embedded>,
    }
}

wire_object! {
    /// A security question (`GET /factors/questions`).
    pub struct SecurityQuestion {
        /// Question key to enroll with, e.g. `disliked_food`.
        "question" => question: String,
        /// Text to show the user.
        "questionText" => question_text: String,
    }
}
