//! Online status (feature `online`): fetches the evidence that
//! [`super::requests_needed`] plans, blocking, over plain HTTP/1.1 with
//! `ureq` (no TLS): OCSP requests by POST as `application/ocsp-request`
//! (RFC 6960 Appendix A.1), CRLs by GET (RFC 5280 §4.2.1.13). TR 01201-3.4
//! §3.1.21 and PVD FU Schritt 48: the signature certificate's status.
//!
//! Every request is bounded ([`OnlineOptions`]): a connect timeout, a read
//! timeout, a total timeout, a size limit per answer (1 MiB for OCSP,
//! 10 MiB for CRLs), at most a few redirects, `http://` only
//! (docs/decisions.md D195, D197). Nothing fetched is trusted: the answers
//! go into [`Evidence`] and [`super::check_status`] verifies them like
//! evidence from any other source; a request that brings nothing is kept as
//! a [`super::FetchFailure`] in [`Evidence::failed_fetches`], which makes
//! the status "unavailable" (FC-03) with the reason (D196).
//!
//! ```
//! use std::time::Duration;
//! use demail::status::StatusRequest;
//! use demail::status::online::{OnlineOptions, fetch_evidence};
//!
//! // Nothing listens on port 1 of the loopback address.
//! let request = StatusRequest::Crl { url: "http://127.0.0.1:1/ca.crl".to_owned() };
//! let options = OnlineOptions { connect_timeout: Duration::from_secs(1), ..OnlineOptions::default() };
//! let evidence = fetch_evidence(&[request], &options);
//! assert!(evidence.crls.is_empty());
//! assert_eq!(evidence.failed_fetches.len(), 1);
//! assert_eq!(evidence.failed_fetches[0].error.code(), "fetch_connection_failed");
//! ```

use std::time::Duration;

use ureq::Agent;

use super::request::is_http;
use super::{Evidence, FetchError, FetchFailure, StatusRequest, TimeoutPhase};

/// The bounds of the online fetch (D195).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnlineOptions {
    /// Time to establish the TCP connection. Default 5 s.
    pub connect_timeout: Duration,
    /// Time to wait for the response head, and for the body after it.
    /// Default 5 s.
    pub read_timeout: Duration,
    /// Time for one whole HTTP exchange (a redirect starts a new one).
    /// Default 15 s.
    pub total_timeout: Duration,
    /// The largest OCSP response read. Default 1 MiB.
    pub max_ocsp_bytes: u64,
    /// The largest CRL read. Default 10 MiB.
    pub max_crl_bytes: u64,
    /// How many redirects (to absolute `http://` URLs) are followed.
    /// Default 3.
    pub max_redirects: u32,
}

impl Default for OnlineOptions {
    fn default() -> Self {
        OnlineOptions {
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(5),
            total_timeout: Duration::from_secs(15),
            max_ocsp_bytes: 1 << 20,
            max_crl_bytes: 10 << 20,
            max_redirects: 3,
        }
    }
}

/// Fetches every request in turn: answers go to [`Evidence::crls`] and
/// [`Evidence::ocsp_responses`], failures to [`Evidence::failed_fetches`]
/// (D196). Never panics; each request is bounded by `options`.
pub fn fetch_evidence(requests: &[StatusRequest], options: &OnlineOptions) -> Evidence {
    let agent = agent(options);
    let mut evidence = Evidence::default();
    for request in requests {
        match fetch(&agent, request, options) {
            Ok(bytes) => match request {
                StatusRequest::Ocsp { .. } => evidence.ocsp_responses.push(bytes),
                StatusRequest::Crl { .. } => evidence.crls.push(bytes),
            },
            Err(error) => evidence.failed_fetches.push(FetchFailure::new(request, error)),
        }
    }
    evidence
}

fn agent(options: &OnlineOptions) -> Agent {
    Agent::config_builder()
        .timeout_connect(Some(options.connect_timeout))
        .timeout_recv_response(Some(options.read_timeout))
        .timeout_recv_body(Some(options.read_timeout))
        .timeout_global(Some(options.total_timeout))
        // Redirects are followed here, to http:// only (D195).
        .max_redirects(0)
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// One request: the body of a 200 answer within the size limit, following
/// at most `max_redirects` redirects to absolute `http://` locations (the
/// same method and body, as for 307/308; a relative or https location is
/// [`FetchError::Redirect`]). Each hop has its own timeouts.
fn fetch(agent: &Agent, request: &StatusRequest, options: &OnlineOptions) -> Result<Vec<u8>, FetchError> {
    let mut url = request.url().to_owned();
    let mut redirects = 0;
    loop {
        if !is_http(&url) {
            return Err(if redirects == 0 {
                FetchError::NotHttp
            } else {
                FetchError::Redirect
            });
        }
        let (response, limit) = match request {
            StatusRequest::Ocsp { body, .. } => (
                agent
                    .post(&url)
                    .header("Content-Type", "application/ocsp-request")
                    .header("Accept", "application/ocsp-response")
                    .send(body.as_slice()),
                options.max_ocsp_bytes,
            ),
            StatusRequest::Crl { .. } => (agent.get(&url).call(), options.max_crl_bytes),
        };
        let mut response = response.map_err(fetch_error)?;
        let status = response.status();
        if status.is_redirection() {
            if redirects == options.max_redirects {
                return Err(FetchError::Redirect);
            }
            redirects += 1;
            url = response
                .headers()
                .get("location")
                .and_then(|location| location.to_str().ok())
                .ok_or(FetchError::Redirect)?
                .to_owned();
            continue;
        }
        if status.as_u16() != 200 {
            return Err(FetchError::HttpStatus {
                status: status.as_u16(),
            });
        }
        return response
            .body_mut()
            .with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(fetch_error);
    }
}

/// ureq's error as the facts a report needs.
fn fetch_error(error: ureq::Error) -> FetchError {
    use ureq::Error as E;
    match error {
        E::StatusCode(status) => FetchError::HttpStatus { status },
        E::BadUri(_) | E::Http(_) => FetchError::BadUrl,
        E::HostNotFound => FetchError::HostNotFound,
        E::ConnectionFailed => FetchError::ConnectionFailed,
        E::Timeout(timeout) => FetchError::Timeout {
            phase: timeout_phase(timeout),
        },
        E::BodyExceedsLimit(limit) => FetchError::TooLarge { limit },
        E::TooManyRedirects | E::RedirectFailed => FetchError::Redirect,
        E::Io(io) => match io.kind() {
            std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::NetworkUnreachable => {
                FetchError::ConnectionFailed
            }
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => FetchError::Timeout {
                phase: TimeoutPhase::Read,
            },
            kind => FetchError::Io { kind },
        },
        _ => FetchError::Protocol,
    }
}

fn timeout_phase(timeout: ureq::Timeout) -> TimeoutPhase {
    match timeout {
        ureq::Timeout::Connect | ureq::Timeout::Resolve => TimeoutPhase::Connect,
        ureq::Timeout::Global | ureq::Timeout::PerCall => TimeoutPhase::Total,
        _ => TimeoutPhase::Read,
    }
}
