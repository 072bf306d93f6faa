//! When to try a request again, and how long to wait first.
//!
//! | failure | GET, PUT, DELETE | POST, PATCH |
//! |---|---|---|
//! | 429 Too Many Requests (`obey_rate_limit`, default on) | retried | retried: the server refused before doing anything |
//! | 500, 502, 503, 504, 520–529 (`retry_transient_errors`, default off) | retried | only with `CallOptions::retry_writes` |
//! | connection could not be made (`retry_transient_errors`) | retried | retried: nothing reached the server |
//! | timeout, reset or broken body after sending (`retry_transient_errors`) | retried | only with `CallOptions::retry_writes` |
//! | anything else (4xx, decode errors, redirects) | never | never |
//!
//! A 429 waits for `Retry-After` (seconds or an HTTP date), capped at
//! `max_backoff`; without it, and for every other retry, the wait is
//! exponential backoff with full jitter. `max_retries` bounds the retries
//! (not the first attempt); a negative value means no bound.

use crate::meta::HttpMethod;
use std::time::{Duration, SystemTime};

/// Retry and rate-limit settings of a client.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Wait and retry on 429 (default true).
    pub obey_rate_limit: bool,
    /// Retry 5xx and connection failures (default false, as in python-gitlab).
    pub retry_transient_errors: bool,
    /// Retries after the first attempt; negative = unbounded (default 10).
    pub max_retries: i64,
    /// First backoff step (default 500 ms); doubles per retry.
    pub base_backoff: Duration,
    /// Longest single wait, also for `Retry-After` (default 60 s).
    pub max_backoff: Duration,
    /// Slow down before the server says 429: when `RateLimit-Remaining` reaches
    /// this number, wait until `RateLimit-Reset` (default off).
    pub throttle_below: Option<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            obey_rate_limit: true,
            retry_transient_errors: false,
            max_retries: 10,
            base_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            throttle_below: None,
        }
    }
}

/// What happened to one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The server answered with this status.
    Status(u16),
    /// No connection could be made: the request never left.
    ConnectFailed,
    /// The request may have reached the server (timeout, reset, cut body).
    MaybeSent,
}

/// Whether `status` is one of GitLab's transient server errors.
pub(crate) fn is_transient_status(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504 | 520..=529)
}

impl RetryPolicy {
    fn retries_left(&self, retries_done: u32) -> bool {
        self.max_retries < 0 || i64::from(retries_done) < self.max_retries
    }

    /// How long to wait before retry number `retries_done + 1`, or `None` to give up.
    pub(crate) fn decide(
        &self,
        method: HttpMethod,
        retry_writes: bool,
        outcome: Outcome,
        retry_after: Option<Duration>,
        retries_done: u32,
    ) -> Option<Duration> {
        if !self.retries_left(retries_done) {
            return None;
        }
        let repeatable = method.is_idempotent() || retry_writes;
        let retry = match outcome {
            Outcome::Status(429) => self.obey_rate_limit,
            Outcome::Status(s) if is_transient_status(s) => {
                self.retry_transient_errors && repeatable
            }
            Outcome::Status(_) => false,
            Outcome::ConnectFailed => self.retry_transient_errors,
            Outcome::MaybeSent => self.retry_transient_errors && repeatable,
        };
        if !retry {
            return None;
        }
        Some(match retry_after {
            Some(d) => d.min(self.max_backoff),
            None => self.backoff(retries_done),
        })
    }

    /// Full jitter: a random wait between zero and `base * 2^n`, capped.
    pub(crate) fn backoff(&self, retries_done: u32) -> Duration {
        let ceiling = self
            .base_backoff
            .saturating_mul(1u32 << retries_done.min(20))
            .min(self.max_backoff);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(fastrand::u64(0..=millis))
    }
}

/// Parses `Retry-After`: delta-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// How long to pause before the next request given GitLab's `RateLimit-*` headers.
pub(crate) fn throttle_delay(
    headers: &reqwest::header::HeaderMap,
    below: u64,
    now: SystemTime,
    cap: Duration,
) -> Option<Duration> {
    let num = |k: &str| -> Option<u64> { headers.get(k)?.to_str().ok()?.trim().parse().ok() };
    let remaining = num("ratelimit-remaining")?;
    if remaining > below {
        return None;
    }
    // RateLimit-Reset is a Unix timestamp in GitLab's responses.
    let reset = num("ratelimit-reset")?;
    let reset_at = SystemTime::UNIX_EPOCH + Duration::from_secs(reset);
    Some(
        reset_at
            .duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(cap),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use HttpMethod::*;

    fn on() -> RetryPolicy {
        RetryPolicy {
            retry_transient_errors: true,
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn rate_limits_are_retried_for_every_verb() {
        let p = RetryPolicy::default();
        for m in [Get, Post, Put, Patch, Delete] {
            assert!(
                p.decide(m, false, Outcome::Status(429), None, 0).is_some(),
                "{m}"
            );
        }
        let off = RetryPolicy {
            obey_rate_limit: false,
            ..RetryPolicy::default()
        };
        assert_eq!(off.decide(Get, false, Outcome::Status(429), None, 0), None);
    }

    #[test]
    fn server_errors_are_retried_only_when_enabled_and_safe() {
        assert_eq!(
            RetryPolicy::default().decide(Get, false, Outcome::Status(502), None, 0),
            None
        );
        for s in [500, 502, 503, 504, 520, 524, 529] {
            assert!(
                on().decide(Get, false, Outcome::Status(s), None, 0)
                    .is_some(),
                "{s}"
            );
            assert!(
                on().decide(Put, false, Outcome::Status(s), None, 0)
                    .is_some(),
                "{s}"
            );
            assert_eq!(
                on().decide(Post, false, Outcome::Status(s), None, 0),
                None,
                "{s}"
            );
            assert_eq!(
                on().decide(Patch, false, Outcome::Status(s), None, 0),
                None,
                "{s}"
            );
            assert!(
                on().decide(Post, true, Outcome::Status(s), None, 0)
                    .is_some(),
                "{s}"
            );
        }
        for s in [400, 401, 403, 404, 409, 422, 501] {
            assert_eq!(
                on().decide(Get, true, Outcome::Status(s), None, 0),
                None,
                "{s}"
            );
        }
    }

    #[test]
    fn connection_failures_depend_on_whether_the_request_left() {
        assert!(on()
            .decide(Post, false, Outcome::ConnectFailed, None, 0)
            .is_some());
        assert_eq!(on().decide(Post, false, Outcome::MaybeSent, None, 0), None);
        assert!(on()
            .decide(Get, false, Outcome::MaybeSent, None, 0)
            .is_some());
        assert!(on()
            .decide(Post, true, Outcome::MaybeSent, None, 0)
            .is_some());
    }

    #[test]
    fn max_retries_bounds_the_retries_and_negative_is_unbounded() {
        let p = RetryPolicy {
            max_retries: 2,
            ..on()
        };
        assert!(p
            .decide(Get, false, Outcome::Status(503), None, 1)
            .is_some());
        assert_eq!(p.decide(Get, false, Outcome::Status(503), None, 2), None);
        let unbounded = RetryPolicy {
            max_retries: -1,
            ..on()
        };
        assert!(unbounded
            .decide(Get, false, Outcome::Status(503), None, 10_000)
            .is_some());
    }

    #[test]
    fn retry_after_wins_over_backoff_but_is_capped() {
        let p = RetryPolicy::default();
        let d = p.decide(
            Get,
            false,
            Outcome::Status(429),
            Some(Duration::from_secs(7)),
            0,
        );
        assert_eq!(d, Some(Duration::from_secs(7)));
        let d = p.decide(
            Get,
            false,
            Outcome::Status(429),
            Some(Duration::from_secs(3600)),
            0,
        );
        assert_eq!(d, Some(p.max_backoff));
    }

    #[test]
    fn backoff_grows_with_jitter_and_stays_under_the_cap() {
        let p = RetryPolicy::default();
        for n in 0..30 {
            let ceiling = p
                .base_backoff
                .saturating_mul(1 << n.min(20))
                .min(p.max_backoff);
            for _ in 0..20 {
                assert!(p.backoff(n) <= ceiling);
            }
        }
    }

    #[test]
    fn retry_after_parses_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480); // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn throttle_waits_until_reset_when_remaining_is_low() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("ratelimit-remaining", "0".parse().unwrap());
        h.insert("ratelimit-reset", "1005".parse().unwrap());
        assert_eq!(
            throttle_delay(&h, 0, now, Duration::from_secs(60)),
            Some(Duration::from_secs(5))
        );
        h.insert("ratelimit-remaining", "50".parse().unwrap());
        assert_eq!(throttle_delay(&h, 0, now, Duration::from_secs(60)), None);
    }
}
