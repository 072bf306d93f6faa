//! `--debug`: the client's request events printed on stderr. A few lines of
//! `tracing::Subscriber` instead of a logging framework keep start-up fast.
//! The client's events carry method, path, status and timing, never a token.

use std::fmt::Write as _;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

struct StderrDebug;

struct Line(String);

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.0, " {value}");
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

impl Subscriber for StderrDebug {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        // Only this project's events: other crates' could show headers.
        *m.level() <= Level::DEBUG && m.target().starts_with("gitlab")
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::DEBUG)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, e: &Event<'_>) {
        let mut line = Line(String::from("debug:"));
        e.record(&mut line);
        eprintln!("{}", line.0);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Sends debug events to stderr for the rest of the process.
pub fn install() {
    // Fails only if a subscriber is already set, which nothing else does.
    let _ = tracing::subscriber::set_global_default(StderrDebug);
}
