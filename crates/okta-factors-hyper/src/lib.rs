//! Async client over hyper: filled in by the adapter work.
