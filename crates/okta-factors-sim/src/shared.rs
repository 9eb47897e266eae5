//! [`SharedSimulator`]: one simulator shared by a server's threads and a test.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use http::{Request, Response};
use okta_factors_core::model::FactorResult;

use crate::config::Fault;
use crate::control::{ControlError, FactorInfo, PendingPush, SentMessage, UserInfo};
use crate::limits::RateLimitStats;
use crate::oauth::{OAuthStats, ServiceApp, ServiceAppError};
use crate::sim::{CatalogEntry, InFlight, Simulator};

/// A cheaply clonable, thread-safe handle to a [`Simulator`]. Give one clone to
/// [`SimServer`](crate::SimServer) and keep another to play the device:
///
/// ```
/// use okta_factors_sim::{SharedSimulator, Simulator};
/// let shared = SharedSimulator::new(Simulator::default());
/// let user_id = shared.create_user("alice@example.com");
/// assert_eq!(shared.clone().users()[0].id, user_id);
/// ```
///
/// Every method locks the simulator for the duration of the call. A panic in
/// another thread never poisons it for good: the lock is recovered.
#[derive(Debug, Clone)]
pub struct SharedSimulator(Arc<Mutex<Simulator>>);

impl From<Simulator> for SharedSimulator {
    fn from(sim: Simulator) -> Self {
        Self::new(sim)
    }
}

impl Default for SharedSimulator {
    fn default() -> Self {
        Self::new(Simulator::default())
    }
}

impl SharedSimulator {
    /// Shares `sim`.
    pub fn new(sim: Simulator) -> Self {
        Self(Arc::new(Mutex::new(sim)))
    }

    /// Locks the simulator for several calls in a row (the whole control API
    /// is on [`Simulator`]). Do not hold the guard while waiting for a server
    /// response: the server needs the lock to answer.
    pub fn lock(&self) -> MutexGuard<'_, Simulator> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// [`Simulator::handle`].
    pub fn handle(&self, request: Request<Vec<u8>>) -> Response<Vec<u8>> {
        self.lock().handle(request)
    }

    /// [`Simulator::begin_request`]; the request stays in flight until the
    /// guard drops.
    pub fn begin_request(&self, request: Request<Vec<u8>>) -> (Response<Vec<u8>>, InFlightGuard) {
        let (response, in_flight) = self.lock().begin_request(request);
        let guard = InFlightGuard {
            sim: self.clone(),
            in_flight: Some(in_flight),
        };
        (response, guard)
    }

    /// [`Simulator::requests_in_flight`].
    pub fn requests_in_flight(&self) -> u32 {
        self.lock().requests_in_flight()
    }

    /// [`Simulator::now`].
    pub fn now(&self) -> SystemTime {
        self.lock().now()
    }

    /// [`Simulator::create_user`].
    pub fn create_user(&self, login: impl Into<String>) -> String {
        self.lock().create_user(login)
    }

    /// [`Simulator::seed_users`].
    pub fn seed_users(&self, n: usize, seed: u64) -> Vec<String> {
        self.lock().seed_users(n, seed)
    }

    /// [`Simulator::users`].
    pub fn users(&self) -> Vec<UserInfo> {
        self.lock().users()
    }

    /// [`Simulator::factors`].
    pub fn factors(&self, user_id: &str) -> Vec<FactorInfo> {
        self.lock().factors(user_id)
    }

    /// [`Simulator::outbox`].
    pub fn outbox(&self, user_id: &str) -> Vec<SentMessage> {
        self.lock().outbox(user_id)
    }

    /// [`Simulator::last_code`].
    pub fn last_code(&self, user_id: &str, factor_id: &str) -> Option<String> {
        self.lock().last_code(user_id, factor_id)
    }

    /// [`Simulator::totp_code`].
    pub fn totp_code(&self, user_id: &str, factor_id: &str) -> Option<String> {
        self.lock().totp_code(user_id, factor_id)
    }

    /// [`Simulator::pending_pushes`].
    pub fn pending_pushes(&self, user_id: &str) -> Vec<PendingPush> {
        self.lock().pending_pushes(user_id)
    }

    /// [`Simulator::approve_push`].
    pub fn approve_push(&self, transaction_id: &str) -> Result<FactorResult, ControlError> {
        self.lock().approve_push(transaction_id)
    }

    /// [`Simulator::reject_push`].
    pub fn reject_push(&self, transaction_id: &str) -> Result<FactorResult, ControlError> {
        self.lock().reject_push(transaction_id)
    }

    /// [`Simulator::answer_push`].
    pub fn answer_push(
        &self,
        transaction_id: &str,
        number: u32,
    ) -> Result<FactorResult, ControlError> {
        self.lock().answer_push(transaction_id, number)
    }

    /// [`Simulator::activate_push_device`].
    pub fn activate_push_device(&self, factor_id: &str) -> Result<(), ControlError> {
        self.lock().activate_push_device(factor_id)
    }

    /// [`Simulator::set_catalog`].
    pub fn set_catalog(&self, catalog: Vec<CatalogEntry>) {
        self.lock().set_catalog(catalog)
    }

    /// [`Simulator::inject`].
    pub fn inject(&self, fault: Fault) {
        self.lock().inject(fault)
    }

    /// [`Simulator::clear_faults`].
    pub fn clear_faults(&self) {
        self.lock().clear_faults()
    }

    /// [`Simulator::register_service_app`].
    pub fn register_service_app(&self, app: ServiceApp) -> Result<(), ServiceAppError> {
        self.lock().register_service_app(app)
    }

    /// [`Simulator::expire_tokens`].
    pub fn expire_tokens(&self) -> usize {
        self.lock().expire_tokens()
    }

    /// [`Simulator::rotate_dpop_nonce`].
    pub fn rotate_dpop_nonce(&self) {
        self.lock().rotate_dpop_nonce()
    }

    /// [`Simulator::oauth_stats`].
    pub fn oauth_stats(&self) -> OAuthStats {
        self.lock().oauth_stats()
    }

    /// [`Simulator::rate_limit_stats`].
    pub fn rate_limit_stats(&self) -> RateLimitStats {
        self.lock().rate_limit_stats()
    }

    /// [`Simulator::reset_rate_limit_stats`].
    pub fn reset_rate_limit_stats(&self) {
        self.lock().reset_rate_limit_stats()
    }
}

/// A request in flight in a [`SharedSimulator`] (see
/// [`SimulatorConfig::concurrent_limit`](crate::SimulatorConfig::concurrent_limit)):
/// dropping it calls [`Simulator::end_request`]. Do not drop it while holding
/// [`SharedSimulator::lock`]'s guard (it locks the simulator).
#[derive(Debug)]
#[must_use = "the request stays in flight until the guard drops"]
pub struct InFlightGuard {
    sim: SharedSimulator,
    in_flight: Option<InFlight>,
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        if let Some(in_flight) = self.in_flight.take() {
            self.sim.lock().end_request(in_flight);
        }
    }
}
