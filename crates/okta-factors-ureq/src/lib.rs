//! Blocking client over ureq: filled in by the adapter work.
