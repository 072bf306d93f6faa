//! The request log tests read: one record per request, oldest first, bounded.

use std::collections::VecDeque;

/// One request the emulator received and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    /// `GET`, `POST`…
    pub method: String,
    /// The path as sent, still percent-encoded: `/api/v4/projects/a%2Fb`.
    pub path: String,
    /// The raw query string without `?` (empty when there was none).
    pub query: String,
    /// The status answered; `0` when the connection was dropped without a response.
    pub status: u16,
    /// The injected fault, by [`crate::Fault::name`].
    pub fault: Option<&'static str>,
    /// The username the request ran as (after `Sudo`); `None` when anonymous or refused.
    pub user: Option<String>,
}

impl LoggedRequest {
    /// `GET /api/v4/projects?page=2 -> 200`, for assertions and debugging.
    pub fn line(&self) -> String {
        let q = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.query)
        };
        format!("{} {}{q} -> {}", self.method, self.path, self.status)
    }
}

#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: VecDeque<LoggedRequest>,
    capacity: usize,
    total: u64,
}

impl RequestLog {
    pub fn new(capacity: usize) -> RequestLog {
        RequestLog {
            entries: VecDeque::new(),
            capacity,
            total: 0,
        }
    }

    pub fn push(&mut self, r: LoggedRequest) {
        self.total += 1;
        if self.capacity == 0 {
            return;
        }
        if self.entries.len() >= self.capacity {
            self.entries.pop_front();
        }
        self.entries.push_back(r);
    }

    pub fn snapshot(&self) -> Vec<LoggedRequest> {
        self.entries.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub fn total(&self) -> u64 {
        self.total
    }
}
