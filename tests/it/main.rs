//! One integration-test binary (one link step) with a module per concern.

mod requests;
mod schema_errors;
mod snapshots;
