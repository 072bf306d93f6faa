//! One integration-test binary (one link step) with a module per concern.

mod api_shapes;
mod builders;
mod compile_fail;
mod coverage;
mod endpoints;
mod faults;
mod module_layers;
mod pagination;
mod requests;
mod schema_errors;
mod snapshots;
