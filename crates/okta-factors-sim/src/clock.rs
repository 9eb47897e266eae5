//! Injected time: [`Clock`], [`SystemClock`] and the test-driven [`ManualClock`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the simulator reads the time from: `Date` headers, `created`,
/// `expiresAt`, OTP lifetimes, push expiry, TOTP windows and rate-limit
/// windows all use it. The simulator never reads the system clock directly.
pub trait Clock: Send {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The real clock ([`SystemTime::now`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that only moves when told to. Clones share the same time, so a test
/// keeps one handle and gives a clone to the simulator:
///
/// ```
/// use std::time::Duration;
/// use okta_factors_sim::{Clock, ManualClock};
/// let clock = ManualClock::at_unix(1_700_000_000);
/// let handle = clock.clone();
/// handle.advance(Duration::from_secs(30));
/// assert_eq!(clock.unix_seconds(), 1_700_000_030);
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    /// The default start: 2024-01-01T00:00:00Z.
    pub const DEFAULT_START_UNIX: u64 = 1_704_067_200;

    /// A clock standing at `time`.
    pub fn new(time: SystemTime) -> Self {
        Self(Arc::new(Mutex::new(time)))
    }

    /// A clock standing at `secs` seconds after the Unix epoch.
    pub fn at_unix(secs: u64) -> Self {
        Self::new(UNIX_EPOCH + Duration::from_secs(secs))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut time = self.lock();
        *time = time.checked_add(by).unwrap_or(*time);
    }

    /// Sets the clock to `time` (it may go backwards).
    pub fn set(&self, time: SystemTime) {
        *self.lock() = time;
    }

    /// The current time in whole seconds since the Unix epoch.
    pub fn unix_seconds(&self) -> u64 {
        crate::timefmt::unix_secs(self.now())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SystemTime> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Default for ManualClock {
    /// A clock at [`ManualClock::DEFAULT_START_UNIX`].
    fn default() -> Self {
        Self::at_unix(Self::DEFAULT_START_UNIX)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.lock()
    }
}
