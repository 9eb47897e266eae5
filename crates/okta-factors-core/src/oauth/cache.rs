//! The token cache shared by every clone of a service app's credentials: the
//! current access token, the mint in flight (single flight), the last mint's
//! failure, and the DPoP nonce. Pure state: times are Unix times given by the
//! machines (which get them from their drivers); nothing here reads a clock.

use std::time::Duration;

use crate::error::AuthError;
use crate::model::Secret;

/// How long before its expiry a token is refreshed (at most half its lifetime).
pub(crate) const REFRESH_BEFORE: Duration = Duration::from_secs(60);
/// How long another call waits between looks at a mint in flight.
pub(crate) const MINT_POLL: Duration = Duration::from_millis(20);

#[derive(Clone)]
pub(crate) struct Token {
    pub(crate) value: Secret,
    pub(crate) dpop: bool,
    /// When to stop using it (Unix time): expiry minus the refresh margin.
    pub(crate) refresh_at: Duration,
    /// Which mint made it (to invalidate only this one on a `401`).
    pub(crate) generation: u64,
}

struct Mint {
    id: u64,
    /// Unix time it started; a mint older than `stale_after` is taken over.
    since: Duration,
}

#[derive(Default)]
pub(crate) struct TokenState {
    token: Option<Token>,
    minting: Option<Mint>,
    failed: Option<(u64, AuthError)>,
    next_id: u64,
    /// The latest DPoP nonces of the org's authorization server (the token
    /// endpoint) and of its resource server (the API): RFC 9449 lets them differ.
    nonces: [Option<String>; 2],
    dpop_learned: bool,
}

/// Whose DPoP nonce: the org's token endpoint's or its API's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NonceOf {
    /// `/oauth2/v1/token`.
    TokenEndpoint = 0,
    /// The API (`/api/v1/…`).
    Api = 1,
}

/// What a call that needs a token does.
pub(crate) enum Acquire {
    /// Use this token.
    Use(Token),
    /// Mint one: the caller holds mint `id` until it completes, fails or abandons it.
    Mint(u64),
    /// Another call is minting: look again after [`MINT_POLL`].
    Wait,
    /// The mint this call waited for failed with this.
    Failed(AuthError),
}

impl TokenState {
    /// A token for a call at Unix time `now`. `waited_for` is the mint this call
    /// saw in flight before (its failure, or a later mint's, is this call's
    /// too); `stale_after`: a
    /// mint in flight longer than this was abandoned (its call was dropped).
    pub(crate) fn acquire(
        &mut self,
        now: Duration,
        waited_for: Option<u64>,
        stale_after: Duration,
    ) -> (Acquire, Option<u64>) {
        if let Some(token) = &self.token {
            if now < token.refresh_at {
                return (Acquire::Use(token.clone()), None);
            }
        }
        // The mint waited for was refused, or it ended and a later one was
        // refused (whose failure replaced its own): either way a refusal
        // this call waited for, so it does not mint again itself.
        if let (Some(id), Some((failed, error))) = (waited_for, &self.failed) {
            if id <= *failed {
                return (Acquire::Failed(error.clone()), None);
            }
        }
        match &self.minting {
            Some(mint) if now.saturating_sub(mint.since) < stale_after => {
                (Acquire::Wait, Some(mint.id))
            }
            _ => {
                self.next_id += 1;
                let id = self.next_id;
                self.minting = Some(Mint { id, since: now });
                (Acquire::Mint(id), None)
            }
        }
    }

    /// Mint `id` got a token of `lifetime` at Unix time `now`.
    pub(crate) fn minted(
        &mut self,
        id: u64,
        value: Secret,
        dpop: bool,
        lifetime: Duration,
        now: Duration,
    ) -> Token {
        let margin = REFRESH_BEFORE.min(lifetime / 2);
        let token = Token {
            value,
            dpop,
            // A huge `expires_in` (any u64 parses) must not overflow.
            refresh_at: now.saturating_add(lifetime - margin),
            generation: id,
        };
        self.token = Some(token.clone());
        self.release(id);
        token
    }

    /// Mint `id` was refused: every call waiting for it gets `error`.
    pub(crate) fn failed(&mut self, id: u64, error: AuthError) {
        self.failed = Some((id, error));
        self.release(id);
    }

    /// Mint `id` ended without an answer (transport failure, dropped call): the
    /// next call mints again.
    pub(crate) fn release(&mut self, id: u64) {
        if self.minting.as_ref().is_some_and(|m| m.id == id) {
            self.minting = None;
        }
    }

    /// The token of `generation` was refused (`401 invalid_token`): drop it,
    /// unless a newer one replaced it already.
    pub(crate) fn invalidate(&mut self, generation: u64) {
        if self
            .token
            .as_ref()
            .is_some_and(|t| t.generation == generation)
        {
            self.token = None;
        }
    }

    /// The latest nonce of `server`.
    pub(crate) fn nonce(&self, server: NonceOf) -> Option<&str> {
        self.nonces[server as usize].as_deref()
    }
    /// Keeps `nonce` as `server`'s latest.
    pub(crate) fn set_nonce(&mut self, server: NonceOf, nonce: &str) {
        self.nonces[server as usize] = Some(nonce.to_owned());
    }
    pub(crate) fn dpop_learned(&self) -> bool {
        self.dpop_learned
    }
    pub(crate) fn learn_dpop(&mut self) {
        self.dpop_learned = true;
    }
}
