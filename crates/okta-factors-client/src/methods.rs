//! `operation_methods!`: the ten operation methods, written once for the
//! blocking and the async client; `client_common!`: the rest they share.

/// The ten operation methods as one-liners over `execute(&operation)`:
/// `operation_methods!()` inside the blocking client's `impl`,
/// `operation_methods!(async)` inside the async one's, so both have the same
/// names, arguments and docs.
macro_rules! operation_methods {
    () => {
        operation_methods!(@methods [] [] [] []);
    };
    (async) => {
        operation_methods!(@methods [async] [.await] [+ Sync] [+ Send]);
    };
    (@methods [$($async:tt)*] [$($await:tt)*] [$($sync:tt)*] [$($send:tt)*]) => {
        /// Runs any operation, with all its optional parameters: sends it,
        /// retries rate-limit `429`s (never a business throttle such as
        /// `E0000109`: that comes back at once as `Error::Api`, see
        /// `Error::retry_after`) as the `RetryPolicy` says, and parses the
        /// response, all within `request_timeout`. The `OktaResponse` also
        /// carries the status and the `ResponseMeta` (request ID, rate limits).
        /// A request that failed in the transport is never sent again.
        pub $($async)* fn execute<O: ::okta_factors_core::Operation $($sync)*>(
            &self,
            op: &O,
        ) -> ::std::result::Result<::okta_factors_core::OktaResponse<O::Output>, ::okta_factors_core::Error> {
            let trace = $crate::trace::Trace::new($crate::trace::Kind::Call, O::NAME, &O::METHOD, O::PATH_TEMPLATE);
            let mut call = ::okta_factors_core::policy::Call::new(op, self.config());
            self.drive(&mut call, trace, &mut |_| {})$($await)*
        }

        /// Verifies with a push and waits for the user's answer: sends
        /// `verify` and, if it answers `WAITING`, polls the transaction as the
        /// `PollPolicy` says until the push is over; returns how it ended.
        /// `on_challenge` gets the number-matching answer (the number to pick
        /// on the phone) as soon as it is known, once per distinct value.
        ///
        /// * Polls go to the org (the user and factor of `verify`, the
        ///   transaction ID of the `WAITING` answer), whatever origin the poll
        ///   link names: credentials never leave the org.
        /// * A poll that fails transiently (a `5xx`, a `429`, a reset
        ///   connection, a timeout) is waited out and sent again, up to
        ///   `MAX_CONSECUTIVE_POLL_FAILURES` in a row; `401`, `403`, `404`, …
        ///   end it at once.
        /// * **Nobody answering is an outcome, not an error**:
        ///   `Ok(VerifyOutcome::Timeout(_))` whether Okta answered `TIMEOUT`,
        ///   its `expiresAt` passed, or `PollPolicy::max_wait` did.
        ///   `Error::is_timeout` is only for a request that timed out.
        ///
        /// Each request (the verify and every poll) is bounded by
        /// `request_timeout`, so the whole wait lasts at most the poll
        /// deadline plus one request timeout.
        pub $($async)* fn verify_push(
            &self,
            verify: &::okta_factors_core::operations::VerifyFactor,
            mut on_challenge: impl FnMut(u32) $($send)*,
        ) -> ::std::result::Result<::okta_factors_core::model::VerifyOutcome, ::okta_factors_core::Error> {
            let trace = $crate::trace::Trace::new(
                $crate::trace::Kind::Push,
                "verify_push",
                &<::okta_factors_core::operations::VerifyFactor as ::okta_factors_core::Operation>::METHOD,
                <::okta_factors_core::operations::VerifyFactor as ::okta_factors_core::Operation>::PATH_TEMPLATE,
            );
            let mut push = ::okta_factors_core::policy::PushVerification::new(verify, self.config());
            self.drive(&mut push, trace, &mut on_challenge)$($await)*
        }

        /// Waits until the device activates a push enrollment: polls `POST
        /// /api/v1/users/{userId}/factors/{factorId}/lifecycle/activate/poll`
        /// on the org as the `PollPolicy` says (first poll at once, transient
        /// failures waited out as in `verify_push`).
        /// `Ok(ActivateOutcome::Activated(factor))` once the device scanned the
        /// QR code (or if the factor was already active);
        /// `Ok(ActivateOutcome::Ended(VerifyOutcome::Timeout(_)))` when the
        /// activation expired (activate the factor again for a new QR code).
        pub $($async)* fn wait_for_push_activation(
            &self,
            user_id: &str,
            factor_id: &str,
        ) -> ::std::result::Result<::okta_factors_core::model::ActivateOutcome, ::okta_factors_core::Error> {
            let mut poll = ::okta_factors_core::policy::PushPoll::for_activation(user_id, factor_id, self.config())?;
            let trace = $crate::trace::Trace::new(
                $crate::trace::Kind::Activation,
                "wait_for_push_activation",
                &<::okta_factors_core::operations::PollFactorActivation as ::okta_factors_core::Operation>::METHOD,
                <::okta_factors_core::operations::PollFactorActivation as ::okta_factors_core::Operation>::PATH_TEMPLATE,
            );
            self.drive(&mut poll, trace, &mut |_| {})$($await)*
        }

        /// `GET /api/v1/users/{userId}/factors`: the user's enrolled factors (a
        /// factor that does not decode as its type is `UserFactor::Malformed`,
        /// kept as sent: it never fails the list).
        pub $($async)* fn list_factors(
            &self,
            user_id: &str,
        ) -> ::std::result::Result<::std::vec::Vec<::okta_factors_core::model::UserFactor>, ::okta_factors_core::Error> {
            let op = ::okta_factors_core::operations::ListFactors::new(user_id);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `POST /api/v1/users/{userId}/factors`: enrolls a factor. For
        /// `updatePhone`, `templateId`, `tokenLifetimeSeconds`, `activate` or
        /// `Accept-Language`, use `execute` with an
        /// [`EnrollFactor`](::okta_factors_core::operations::EnrollFactor).
        pub $($async)* fn enroll_factor(
            &self,
            user_id: &str,
            body: ::okta_factors_core::model::FactorEnrollment,
        ) -> ::std::result::Result<::okta_factors_core::model::UserFactor, ::okta_factors_core::Error> {
            let op = ::okta_factors_core::operations::EnrollFactor::new(user_id, body);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `GET /api/v1/users/{userId}/factors/{factorId}`: one factor.
        pub $($async)* fn get_factor(
            &self,
            user_id: &str,
            factor_id: &str,
        ) -> ::std::result::Result<::okta_factors_core::model::UserFactor, ::okta_factors_core::Error> {
            let op = ::okta_factors_core::operations::GetFactor::new(user_id, factor_id);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `DELETE /api/v1/users/{userId}/factors/{factorId}`: unenrolls a
        /// factor. For `removeRecoveryEnrollment`, use `execute` with an
        /// [`UnenrollFactor`](::okta_factors_core::operations::UnenrollFactor).
        pub $($async)* fn unenroll_factor(
            &self,
            user_id: &str,
            factor_id: &str,
        ) -> ::std::result::Result<(), ::okta_factors_core::Error> {
            let op = ::okta_factors_core::operations::UnenrollFactor::new(user_id, factor_id);
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
            body: ::std::option::Option<::okta_factors_core::operations::ActivateFactorRequest>,
        ) -> ::std::result::Result<::okta_factors_core::model::ActivateOutcome, ::okta_factors_core::Error> {
            let mut op = ::okta_factors_core::operations::ActivateFactor::new(user_id, factor_id);
            if let ::std::option::Option::Some(body) = body {
                op = op.body(body);
            }
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `POST /api/v1/users/{userId}/factors/{factorId}/resend`: resends the
        /// OTP of an sms, call or email enrollment. For `templateId` or
        /// `Accept-Language`, use `execute` with a
        /// [`ResendEnrollFactor`](::okta_factors_core::operations::ResendEnrollFactor).
        pub $($async)* fn resend_enroll_factor(
            &self,
            user_id: &str,
            factor_id: &str,
            body: ::okta_factors_core::model::FactorEnrollment,
        ) -> ::std::result::Result<::okta_factors_core::model::UserFactor, ::okta_factors_core::Error> {
            let op = ::okta_factors_core::operations::ResendEnrollFactor::new(user_id, factor_id, body);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }

        /// `POST /api/v1/users/{userId}/factors/{factorId}/verify`: verifies a
        /// factor or issues its challenge. For `templateId`,
        /// `tokenLifetimeSeconds`, `X-Forwarded-For`, `User-Agent` or
        /// `Accept-Language`, use `execute` with a
        /// [`VerifyFactor`](::okta_factors_core::operations::VerifyFactor); to wait
        /// for a push, use `verify_push`.
        pub $($async)* fn verify_factor(
            &self,
            user_id: &str,
            factor_id: &str,
            body: ::std::option::Option<::okta_factors_core::operations::VerifyFactorRequest>,
        ) -> ::std::result::Result<::okta_factors_core::model::VerifyOutcome, ::okta_factors_core::Error> {
            let mut op = ::okta_factors_core::operations::VerifyFactor::new(user_id, factor_id);
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
        ) -> ::std::result::Result<::okta_factors_core::model::VerifyOutcome, ::okta_factors_core::Error> {
            let op = ::okta_factors_core::operations::GetFactorTransactionStatus::new(
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
            ::std::vec::Vec<::std::result::Result<::okta_factors_core::model::SupportedFactor, ::okta_factors_core::model::Malformed>>,
            ::okta_factors_core::Error,
        > {
            let op = ::okta_factors_core::operations::ListSupportedFactors::new(user_id);
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
            ::std::vec::Vec<::std::result::Result<::okta_factors_core::model::SecurityQuestion, ::okta_factors_core::model::Malformed>>,
            ::okta_factors_core::Error,
        > {
            let op = ::okta_factors_core::operations::ListSupportedSecurityQuestions::new(user_id);
            ::std::result::Result::Ok(self.execute(&op)$($await)*?.value)
        }
    };
}

/// What both clients share besides the methods: the configuration and the
/// transport behind one `Arc`, `Clone`, `Debug`, and the constructors and
/// accessors. `client_common!(BlockingClient, SyncTransport)`.
macro_rules! client_common {
    ($client:ident, $transport:ident) => {
        impl<T> Clone for $client<T> {
            fn clone(&self) -> Self {
                Self {
                    inner: ::std::sync::Arc::clone(&self.inner),
                }
            }
        }

        impl<T: ::std::fmt::Debug> ::std::fmt::Debug for $client<T> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($client))
                    .field("config", &self.inner.config)
                    .field("transport", &self.inner.transport)
                    .finish()
            }
        }

        impl<T: $transport + $crate::transport::BuildTransport> $client<T> {
            /// A client for `org` with the default limits.
            pub fn new(
                org: ::okta_factors_core::OrgUrl,
                credentials: ::okta_factors_core::Credentials,
            ) -> ::std::result::Result<Self, ::okta_factors_core::Error> {
                Self::builder(org, credentials).build()
            }
        }

        impl<T: $transport> $client<T> {
            /// A builder for a client of `org`: every option.
            pub fn builder(
                org: ::okta_factors_core::OrgUrl,
                credentials: ::okta_factors_core::Credentials,
            ) -> $crate::builder::ClientBuilder<Self> {
                $crate::builder::ClientBuilder::new(org, credentials)
            }

            /// A builder from `settings` (feature `config`): their org, credentials, proxy, timeouts, retries and User-Agent text; methods called on it win.
            #[cfg(feature = "config")]
            pub fn builder_from(
                settings: &$crate::Settings,
            ) -> ::std::result::Result<$crate::builder::ClientBuilder<Self>, $crate::SettingsError>
            {
                settings.builder()
            }

            /// The client over `transport`, for `config`.
            pub fn with_transport(transport: T, config: ::okta_factors_core::ClientConfig) -> Self {
                $crate::warn_if_insecure(&config.org);
                Self {
                    inner: ::std::sync::Arc::new($crate::Shared { config, transport }),
                }
            }

            /// The configuration.
            pub fn config(&self) -> &::okta_factors_core::ClientConfig {
                &self.inner.config
            }

            /// The transport.
            pub fn transport(&self) -> &T {
                &self.inner.transport
            }
        }
    };
}
