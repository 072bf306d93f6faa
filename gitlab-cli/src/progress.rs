//! Progress on stderr while a `--get-all` listing or a download runs: items
//! and pages so far, and the waits the client makes before retrying (rate
//! limits, server errors) with their cause. Shown only when stderr is a
//! terminal; otherwise nothing is created and nothing is written. Stdout is
//! never touched.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

/// The bar being shown, for the retry notices that arrive through tracing.
static ACTIVE: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Whether progress is shown at all in this process.
pub fn enabled() -> bool {
    std::io::stderr().is_terminal()
}

/// One running progress line; cleared when dropped.
pub struct Progress {
    bar: Option<ProgressBar>,
    pages: u64,
    items: u64,
    total: Option<u64>,
}

impl Progress {
    /// A line that says `what` until the first page arrives.
    pub fn start(what: &str) -> Self {
        let bar = enabled().then(|| {
            let bar = ProgressBar::new_spinner();
            let style = ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.set_message(what.to_string());
            bar.enable_steady_tick(Duration::from_millis(120));
            if let Ok(mut slot) = ACTIVE.lock() {
                *slot = Some(bar.clone());
            }
            bar
        });
        Progress {
            bar,
            pages: 0,
            items: 0,
            total: None,
        }
    }

    /// One more page of `items` objects; `total` is GitLab's `X-Total`.
    pub fn page(&mut self, items: usize, total: Option<u64>) {
        self.pages += 1;
        self.items += items as u64;
        self.total = total.or(self.total);
        if let Some(bar) = &self.bar {
            bar.set_message(listing_message(self.items, self.total, self.pages));
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
            if let Ok(mut slot) = ACTIVE.lock() {
                *slot = None;
            }
        }
    }
}

/// `fetched 250 of 1200 items in 3 pages`.
pub fn listing_message(items: u64, total: Option<u64>, pages: u64) -> String {
    let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
    let items_word = if items == 1 && total.is_none() {
        "item"
    } else {
        "items"
    };
    let pages_word = if pages == 1 { "page" } else { "pages" };
    format!("fetched {items}{of} {items_word} in {pages} {pages_word}")
}

/// Why the client waits, from its `outcome` (`Status(429)`, `ConnectFailed`…).
pub fn wait_cause(outcome: &str) -> String {
    let status: Option<u16> = outcome
        .strip_prefix("Status(")
        .and_then(|s| s.strip_suffix(')'))
        .and_then(|s| s.parse().ok());
    match (status, outcome) {
        (Some(429), _) => "rate limited (429 Too Many Requests)".to_string(),
        (Some(s), _) => format!("the server answered {s}"),
        (None, "ConnectFailed") => "the server could not be reached".to_string(),
        (None, "MaybeSent") => "the connection was cut".to_string(),
        (None, other) => other.to_string(),
    }
}

/// Shows on the active line that the client waits `ms` before retrying.
pub fn note_wait(outcome: &str, ms: u64) {
    let Ok(slot) = ACTIVE.lock() else { return };
    if let Some(bar) = slot.as_ref() {
        let secs = (ms as f64 / 1000.0).max(0.1);
        bar.println(format!(
            "waiting {secs:.1}s before retrying: {}",
            wait_cause(outcome)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages() {
        assert_eq!(
            listing_message(250, Some(1200), 3),
            "fetched 250 of 1200 items in 3 pages"
        );
        assert_eq!(listing_message(1, None, 1), "fetched 1 item in 1 page");
        assert_eq!(
            wait_cause("Status(429)"),
            "rate limited (429 Too Many Requests)"
        );
        assert_eq!(wait_cause("Status(503)"), "the server answered 503");
        assert_eq!(
            wait_cause("ConnectFailed"),
            "the server could not be reached"
        );
    }
}
