//! `--debug`: the client's request events printed on stderr. A few lines of
//! `tracing::Subscriber` instead of a logging framework keep start-up fast.
//! The client's events carry method, path, status and timing, never a token.
//! The same events tell the progress line when the client waits to retry.

use std::fmt::Write as _;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

struct StderrDebug {
    /// Print every event (`--debug`); else only feed the progress line.
    print: bool,
}

#[derive(Default)]
struct Line {
    text: String,
    outcome: String,
    retry_in_ms: Option<u64>,
}

impl Visit for Line {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => {
                let _ = write!(self.text, " {value:?}");
            }
            name => {
                if name == "outcome" {
                    self.outcome = format!("{value:?}");
                }
                let _ = write!(self.text, " {name}={value:?}");
            }
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "retry_in_ms" {
            self.retry_in_ms = Some(value);
        }
        let _ = write!(self.text, " {}={value}", field.name());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            let _ = write!(self.text, " {value}");
        } else {
            let _ = write!(self.text, " {}={value}", field.name());
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
        let mut line = Line::default();
        e.record(&mut line);
        if let Some(ms) = line.retry_in_ms {
            crate::progress::note_wait(&line.outcome, ms);
        }
        if self.print {
            eprintln!("debug:{}", line.text);
        }
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Listens to the client's events for the rest of the process: prints them
/// when `print` (`--debug`), and passes retry waits to the progress line.
pub fn install(print: bool) {
    // Fails only if a subscriber is already set, which nothing else does.
    let _ = tracing::subscriber::set_global_default(StderrDebug { print });
}
