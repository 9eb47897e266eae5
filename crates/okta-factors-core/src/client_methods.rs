//! [`operation_methods!`](crate::operation_methods): the ten operation methods
//! of an adapter's `Client`, written once for blocking and async clients.

/// Generates the ten operation methods of an adapter's `Client` as one-liners
/// over its `execute(&operation)`: `operation_methods!()` inside the `impl` of a
/// blocking client, `operation_methods!(async)` inside an async one. Both
/// adapters therefore have the same names, arguments and docs.
#[doc(hidden)]
#[macro_export]
macro_rules! operation_methods {
    () => {
        $crate::operation_methods!(@methods [] []);
    };
    (async) => {
        $crate::operation_methods!(@methods [async] [.await]);
    };
    (@methods [$($async:tt)*] [$($await:tt)*]) => {
        /// `GET /api/v1/users/{userId}/factors`: the user's enrolled factors (a
        /// factor that does not decode as its type is `UserFactor::Malformed`,
        /// kept as sent: it never fails the list).
        pub $($async)* fn list_factors(
            &self,
            user_id: &str,
        ) -> ::std::result::Result<::std::vec::Vec<$crate::model::UserFactor>, $crate::Error> {
            let op = $crate::operations::ListFactors::new(user_id);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `POST /api/v1/users/{userId}/factors`: enrolls a factor. For
        /// `updatePhone`, `templateId`, `tokenLifetimeSeconds`, `activate` or
        /// `Accept-Language`, use `execute` with an
        /// [`EnrollFactor`](okta_factors_core::operations::EnrollFactor).
        pub $($async)* fn enroll_factor(
            &self,
            user_id: &str,
            body: $crate::model::FactorEnrollment,
        ) -> ::std::result::Result<$crate::model::UserFactor, $crate::Error> {
            let op = $crate::operations::EnrollFactor::new(user_id, body);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `GET /api/v1/users/{userId}/factors/{factorId}`: one factor.
        pub $($async)* fn get_factor(
            &self,
            user_id: &str,
            factor_id: &str,
        ) -> ::std::result::Result<$crate::model::UserFactor, $crate::Error> {
            let op = $crate::operations::GetFactor::new(user_id, factor_id);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `DELETE /api/v1/users/{userId}/factors/{factorId}`: unenrolls a
        /// factor. For `removeRecoveryEnrollment`, use `execute` with an
        /// [`UnenrollFactor`](okta_factors_core::operations::UnenrollFactor).
        pub $($async)* fn unenroll_factor(
            &self,
            user_id: &str,
            factor_id: &str,
        ) -> ::std::result::Result<(), $crate::Error> {
            let op = $crate::operations::UnenrollFactor::new(user_id, factor_id);
            self.execute(&op)$($await)*?;
            ::std::result::Result::Ok(())
        }

        /// `POST /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate`:
        /// activates a factor (with a passcode or attestation in `body`, or none
        /// for push: `ActivateOutcome::Waiting` until the device scans the QR
        /// code, which `wait_for_push_activation` waits for; `Ended` once the
        /// activation expired).
        pub $($async)* fn activate_factor(
            &self,
            user_id: &str,
            factor_id: &str,
            body: ::std::option::Option<$crate::operations::ActivateFactorRequest>,
        ) -> ::std::result::Result<$crate::model::ActivateOutcome, $crate::Error> {
            let mut op = $crate::operations::ActivateFactor::new(user_id, factor_id);
            if let ::std::option::Option::Some(body) = body {
                op = op.body(body);
            }
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `POST /api/v1/users/{userId}/factors/{factorId}/resend`: resends the
        /// OTP of an sms, call or email enrollment. For `templateId` or
        /// `Accept-Language`, use `execute` with a
        /// [`ResendEnrollFactor`](okta_factors_core::operations::ResendEnrollFactor).
        pub $($async)* fn resend_enroll_factor(
            &self,
            user_id: &str,
            factor_id: &str,
            body: $crate::model::FactorEnrollment,
        ) -> ::std::result::Result<$crate::model::UserFactor, $crate::Error> {
            let op = $crate::operations::ResendEnrollFactor::new(user_id, factor_id, body);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `POST /api/v1/users/{userId}/factors/{factorId}/verify`: verifies a
        /// factor or issues its challenge. For `templateId`,
        /// `tokenLifetimeSeconds`, `X-Forwarded-For`, `User-Agent` or
        /// `Accept-Language`, use `execute` with a
        /// [`VerifyFactor`](okta_factors_core::operations::VerifyFactor); to wait
        /// for a push, use `verify_push`.
        pub $($async)* fn verify_factor(
            &self,
            user_id: &str,
            factor_id: &str,
            body: ::std::option::Option<$crate::operations::VerifyFactorRequest>,
        ) -> ::std::result::Result<$crate::model::VerifyOutcome, $crate::Error> {
            let mut op = $crate::operations::VerifyFactor::new(user_id, factor_id);
            if let ::std::option::Option::Some(body) = body {
                op = op.body(body);
            }
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `GET /api/v1/users/{userId}/factors/{factorId}/transactions/{transactionId}`:
        /// the state of a push verification.
        pub $($async)* fn get_factor_transaction_status(
            &self,
            user_id: &str,
            factor_id: &str,
            transaction_id: &str,
        ) -> ::std::result::Result<$crate::model::VerifyOutcome, $crate::Error> {
            let op = $crate::operations::GetFactorTransactionStatus::new(
                user_id,
                factor_id,
                transaction_id,
            );
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `GET /api/v1/users/{userId}/factors/catalog`: the factors the user may
        /// enroll, one `Result` per entry (`Err` with the entry as sent when it
        /// does not decode: one odd entry never fails the list).
        pub $($async)* fn list_supported_factors(
            &self,
            user_id: &str,
        ) -> ::std::result::Result<
            ::std::vec::Vec<::std::result::Result<$crate::model::SupportedFactor, $crate::model::Malformed>>,
            $crate::Error,
        > {
            let op = $crate::operations::ListSupportedFactors::new(user_id);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `GET /api/v1/users/{userId}/factors/questions`: the security questions
        /// the user may enroll (API tokens only: Okta refuses OAuth tokens here),
        /// one `Result` per question (`Err` with the question as sent when it
        /// does not decode).
        pub $($async)* fn list_supported_security_questions(
            &self,
            user_id: &str,
        ) -> ::std::result::Result<
            ::std::vec::Vec<::std::result::Result<$crate::model::SecurityQuestion, $crate::model::Malformed>>,
            $crate::Error,
        > {
            let op = $crate::operations::ListSupportedSecurityQuestions::new(user_id);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }
    };
}
