// Request-level tests against wiremock: written next.
