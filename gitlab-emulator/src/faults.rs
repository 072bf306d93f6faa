//! Fault injection: rules that make some requests fail the ways a real GitLab
//! (or the proxies in front of it) fails.
//!
//! Each rule counts the requests it applies to (its methods and path prefixes)
//! and fires on a schedule: always, every k-th request, or a burst of n
//! requests starting at the s-th. The first rule that fires decides the fault.
//!
//! ```
//! use gitlab_emulator::{Fault, FaultRule, Faults};
//! use std::time::Duration;
//!
//! let faults = Faults::new()
//!     // Every 3rd GET below /projects answers 429 with Retry-After: 1.
//!     .with(FaultRule::new(Fault::RateLimit { retry_after: Some(1) }).every(3).method("GET").path("/projects"))
//!     // Requests 5 and 6 get a 502 from "the proxy".
//!     .with(FaultRule::new(Fault::ServerError(502)).burst(5, 2))
//!     // One stall of 2 s, then never again.
//!     .with(FaultRule::new(Fault::Stall(Duration::from_secs(2))).times(1));
//! assert_eq!(faults.rules.len(), 3);
//! ```

use std::time::Duration;

/// A set of fault rules; the empty set injects nothing.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    pub rules: Vec<FaultRule>,
}

impl Faults {
    /// No faults.
    pub fn new() -> Faults {
        Faults::default()
    }

    /// Adds a rule (builder style).
    pub fn with(mut self, rule: FaultRule) -> Faults {
        self.rules.push(rule);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// `429 Too Many Requests` with body `Retry later`, as GitLab's rate limiter
    /// answers; with `Some(s)` also `Retry-After: s` and the `RateLimit-*` headers.
    RateLimit { retry_after: Option<u64> },
    /// A 5xx answer: 500 carries GitLab's JSON body, 502/503/504 an HTML page
    /// as a proxy in front of GitLab would send.
    ServerError(u16),
    /// The connection is closed without any response; the request is not handled.
    Drop,
    /// The request is handled (state changes!), then the connection is closed
    /// without a response: the "did my POST go through?" case.
    DropAfterHandling,
    /// Waits this long before handling the request normally (to trip timeouts).
    Stall(Duration),
    /// A redirect (301, 302, 307, 308) to `location`; `{path}` in it is replaced
    /// by the request's path and query.
    Redirect { status: u16, location: String },
    /// The request is handled, but the body is broken.
    Malformed(Malformed),
}

/// How a body is broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The JSON is cut in half (still `Content-Type: application/json`).
    TruncatedJson,
    /// An HTML page instead of JSON, with the original status.
    NotJson,
    /// Valid JSON of the wrong shape: `{"unexpected": true}` where a list or object was due.
    UnexpectedJson,
}

impl Fault {
    /// Short name used in the request log: `rate_limit`, `server_error`, `drop`,
    /// `drop_after_handling`, `stall`, `redirect`, `malformed`.
    pub fn name(&self) -> &'static str {
        match self {
            Fault::RateLimit { .. } => "rate_limit",
            Fault::ServerError(_) => "server_error",
            Fault::Drop => "drop",
            Fault::DropAfterHandling => "drop_after_handling",
            Fault::Stall(_) => "stall",
            Fault::Redirect { .. } => "redirect",
            Fault::Malformed(_) => "malformed",
        }
    }
}

/// When a rule fires, counting only the requests it applies to (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// Requests k, 2k, 3k…
    Every(u64),
    /// Requests `start` to `start + len - 1`.
    Burst {
        start: u64,
        len: u64,
    },
}

/// One fault, when it fires, and which requests it applies to.
#[derive(Debug, Clone)]
pub struct FaultRule {
    pub fault: Fault,
    pub when: When,
    /// Upper-case methods (`GET`); empty means all.
    pub methods: Vec<String>,
    /// Path prefixes, with or without `/api/v4` (`/projects`); empty means all.
    pub path_prefixes: Vec<String>,
    /// Fire at most this many times.
    pub max_hits: Option<u64>,
}

impl FaultRule {
    /// A rule that fires on every request it applies to.
    pub fn new(fault: Fault) -> FaultRule {
        FaultRule {
            fault,
            when: When::Always,
            methods: Vec::new(),
            path_prefixes: Vec::new(),
            max_hits: None,
        }
    }

    /// Fire on every k-th applicable request (k ≥ 1).
    pub fn every(mut self, k: u64) -> FaultRule {
        self.when = When::Every(k.max(1));
        self
    }

    /// Fire on `len` consecutive applicable requests starting with the `start`-th (1-based).
    pub fn burst(mut self, start: u64, len: u64) -> FaultRule {
        self.when = When::Burst {
            start: start.max(1),
            len,
        };
        self
    }

    /// Fire only on the n-th applicable request.
    pub fn nth(self, n: u64) -> FaultRule {
        self.burst(n, 1)
    }

    /// Apply to this method too (`"GET"`, `"post"`…).
    pub fn method(mut self, m: &str) -> FaultRule {
        self.methods.push(m.to_ascii_uppercase());
        self
    }

    /// Apply to paths starting with this prefix too (`/projects`, `/api/v4/groups`).
    pub fn path(mut self, prefix: &str) -> FaultRule {
        self.path_prefixes.push(prefix.to_string());
        self
    }

    /// Fire at most `n` times.
    pub fn times(mut self, n: u64) -> FaultRule {
        self.max_hits = Some(n);
        self
    }

    fn applies(&self, method: &str, path: &str) -> bool {
        let below_api = path.strip_prefix("/api/v4").unwrap_or(path);
        (self.methods.is_empty() || self.methods.iter().any(|m| m == method))
            && (self.path_prefixes.is_empty()
                || self
                    .path_prefixes
                    .iter()
                    .any(|p| path.starts_with(p.as_str()) || below_api.starts_with(p.as_str())))
    }
}

/// The rules plus how often each has been seen and has fired.
#[derive(Debug, Default)]
pub(crate) struct FaultState {
    faults: Faults,
    seen: Vec<u64>,
    fired: Vec<u64>,
}

impl FaultState {
    pub fn new(faults: Faults) -> FaultState {
        let n = faults.rules.len();
        FaultState {
            faults,
            seen: vec![0; n],
            fired: vec![0; n],
        }
    }

    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The fault for this request, if any; every applicable rule counts it.
    pub fn pick(&mut self, method: &str, path: &str) -> Option<Fault> {
        let mut chosen = None;
        for (i, rule) in self.faults.rules.iter().enumerate() {
            if !rule.applies(method, path) {
                continue;
            }
            self.seen[i] += 1;
            let n = self.seen[i];
            let due = match rule.when {
                When::Always => true,
                When::Every(k) => n.is_multiple_of(k.max(1)),
                When::Burst { start, len } => n >= start && n < start.saturating_add(len),
            };
            let spent = rule.max_hits.is_some_and(|m| self.fired[i] >= m);
            if chosen.is_none() && due && !spent {
                self.fired[i] += 1;
                chosen = Some(rule.fault.clone());
            }
        }
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(state: &mut FaultState, n: usize, method: &str, path: &str) -> Vec<bool> {
        (0..n).map(|_| state.pick(method, path).is_some()).collect()
    }

    #[test]
    fn schedules_count_only_matching_requests() {
        let mut s = FaultState::new(
            Faults::new().with(
                FaultRule::new(Fault::Drop)
                    .every(2)
                    .method("get")
                    .path("/projects"),
            ),
        );
        assert_eq!(
            run(&mut s, 4, "GET", "/api/v4/projects/1"),
            [false, true, false, true]
        );
        assert_eq!(run(&mut s, 2, "POST", "/api/v4/projects"), [false, false]);
        assert_eq!(run(&mut s, 1, "GET", "/api/v4/groups"), [false]);

        let mut s = FaultState::new(Faults::new().with(FaultRule::new(Fault::Drop).burst(2, 2)));
        assert_eq!(
            run(&mut s, 5, "GET", "/x"),
            [false, true, true, false, false]
        );

        let mut s = FaultState::new(Faults::new().with(FaultRule::new(Fault::Drop).times(2)));
        assert_eq!(run(&mut s, 3, "GET", "/x"), [true, true, false]);
    }
}
