//! Which status requests a certificate calls for (Statusabfrage), planned
//! without I/O: the OCSP request for the responder named in the
//! certificate's Authority Information Access extension (id-ad-ocsp,
//! RFC 5280 §4.2.2.1, RFC 6960 Appendix A) and the CRLs at its CRL
//! distribution points (RFC 5280 §4.2.1.13). TR 01201-3.4 §3.1.21 asks for
//! the signature certificate's validity; PVD FU Schritt 48 for its status.
//!
//! An async caller fetches what [`requests_needed`] lists itself and hands
//! the bytes back as [`super::Evidence`] (a failed fetch as a
//! [`super::FetchFailure`]); feature `online` fetches them blocking
//! ([`super::online`]). Only `http://` locations are planned: OCSP
//! responses and CRLs are signed objects served over plain HTTP
//! (RFC 5019 §5, RFC 5280 §4.2.1.13), and the crate carries no TLS
//! (docs/decisions.md D197).
//!
//! ```
//! use demail::certificate::Certificate;
//! use demail::status::requests_needed;
//!
//! let ca = Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/ca.cert.pem")?)?;
//! let sub = Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/intermediate.cert.pem")?)?;
//! // The test intermediate names neither an OCSP responder nor a CRL location.
//! assert!(requests_needed(&sub, &ca)?.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use x509_parser::error::X509Error;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::oid_registry::{
    OID_PKIX_ACCESS_DESCRIPTOR_OCSP, OID_PKIX_AUTHORITY_INFO_ACCESS, OID_X509_EXT_CRL_DISTRIBUTION_POINTS,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::EvidenceKind;
use crate::certificate::{Certificate, DerError};

/// One request for status evidence: what to fetch and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusRequest {
    /// POST `body`, a DER `OCSPRequest`, to `url` with the content type
    /// `application/ocsp-request`; the answer is an `OCSPResponse`
    /// (RFC 6960 Appendix A.1). Feature `ocsp` builds the body.
    Ocsp {
        /// The responder's `http://` URL (AIA id-ad-ocsp accessLocation).
        url: String,
        /// The DER `OCSPRequest` (certID with SHA-1, no nonce, RFC 5019
        /// §2.1; docs/decisions.md D197).
        body: Vec<u8>,
    },
    /// GET a CRL (DER) from `url` (a CRL distribution point's
    /// `fullName` URI, RFC 5280 §4.2.1.13).
    Crl {
        /// The `http://` URL.
        url: String,
    },
}

impl StatusRequest {
    /// Where the request goes.
    pub fn url(&self) -> &str {
        match self {
            StatusRequest::Ocsp { url, .. } | StatusRequest::Crl { url } => url,
        }
    }

    /// What it answers with.
    pub const fn kind(&self) -> EvidenceKind {
        match self {
            StatusRequest::Ocsp { .. } => EvidenceKind::Ocsp,
            StatusRequest::Crl { .. } => EvidenceKind::Crl,
        }
    }
}

/// A status request that brought no evidence (D196): recorded in
/// [`super::Evidence::failed_fetches`], so that the status is
/// [`super::CertificateStatus::Unavailable`] (FC-03, TRY_LATER) and says
/// why, rather than "not checked". In JSON `{"kind": "ocsp" | "crl",
/// "url": ..., "error": {"code": ..., "message": ...}}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[error("{kind} from {url}: {error}")]
pub struct FetchFailure {
    /// What was asked for.
    pub kind: EvidenceKind,
    /// Where.
    pub url: String,
    /// Why nothing usable came back.
    #[source]
    pub error: FetchError,
}

impl FetchFailure {
    /// The failure of `request` for `error`.
    pub fn new(request: &StatusRequest, error: FetchError) -> Self {
        FetchFailure {
            kind: request.kind(),
            url: request.url().to_owned(),
            error,
        }
    }
}

/// Why a status request brought no evidence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL is not `http://` (D197): OCSP responses and CRLs are signed
    /// objects fetched over plain HTTP (RFC 5019 §5), and no TLS is built in.
    #[error("only http:// URLs are fetched")]
    NotHttp,
    /// The URL does not parse.
    #[error("the URL is malformed")]
    BadUrl,
    /// The host name did not resolve.
    #[error("the host was not found")]
    HostNotFound,
    /// No connection could be made (refused, unreachable).
    #[error("the server refused the connection or cannot be reached")]
    ConnectionFailed,
    /// A timeout expired: connecting, waiting for or reading the answer.
    #[error("no answer within the {phase} timeout")]
    Timeout {
        /// Which one.
        phase: TimeoutPhase,
    },
    /// The server answered with an HTTP status other than 200.
    #[error("HTTP status {status}")]
    HttpStatus {
        /// The status code.
        status: u16,
    },
    /// The answer is larger than allowed.
    #[error("the answer exceeds {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// More redirects than allowed, or a redirect that cannot be followed.
    #[error("too many or unusable redirects")]
    Redirect,
    /// Reading or writing the connection failed.
    #[error("the connection failed: {kind}")]
    Io {
        /// The I/O error's kind.
        kind: std::io::ErrorKind,
    },
    /// The answer is not well-formed HTTP/1.1.
    #[error("the answer is not well-formed HTTP")]
    Protocol,
}

/// Which timeout of a fetch expired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Establishing the connection.
    Connect,
    /// Waiting for the answer's head, or for its body.
    Read,
    /// The whole exchange.
    Total,
}

impl std::fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connect",
            TimeoutPhase::Read => "read",
            TimeoutPhase::Total => "total",
        })
    }
}

/// `{"code": "fetch_timeout", "message": "..."}`: the stable
/// [`code`](FetchError::code) and the text (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for FetchError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("FetchError", 2)?;
        out.serialize_field("code", self.code())?;
        out.serialize_field("message", &self.to_string())?;
        out.end()
    }
}

impl FetchError {
    /// A stable snake_case code for reports (`fetch_timeout`, ...).
    pub const fn code(&self) -> &'static str {
        match self {
            FetchError::NotHttp => "fetch_not_http",
            FetchError::BadUrl => "fetch_bad_url",
            FetchError::HostNotFound => "fetch_host_not_found",
            FetchError::ConnectionFailed => "fetch_connection_failed",
            FetchError::Timeout { .. } => "fetch_timeout",
            FetchError::HttpStatus { .. } => "fetch_http_status",
            FetchError::TooLarge { .. } => "fetch_too_large",
            FetchError::Redirect => "fetch_redirect",
            FetchError::Io { .. } => "fetch_io",
            FetchError::Protocol => "fetch_protocol",
        }
    }
}

/// Why the requests for a certificate could not be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The certificate, or its AIA or CRL distribution points extension,
    /// does not decode (RFC 5280 §4.2.2.1, §4.2.1.13).
    #[error("the certificate's {what} does not decode: {cause}")]
    Decode {
        /// `certificate`, `authorityInfoAccess` or `cRLDistributionPoints`.
        what: &'static str,
        /// x509-parser's error.
        #[source]
        cause: DerError,
    },
    /// The OCSP request could not be built.
    #[cfg(feature = "ocsp")]
    #[error(transparent)]
    Ocsp(#[from] super::ocsp::OcspError),
}

/// The status requests for `certificate`, issued by `issuer`: one OCSP
/// request per `http://` OCSP responder in its AIA (only with feature
/// `ocsp`, which builds the request), then one CRL request per `http://`
/// URI of its CRL distribution points, in certificate order, without
/// repeats. Other locations (https, ldap) are left out (D197).
///
/// # Errors
/// [`RequestError`] when the certificate or an extension does not decode,
/// or the OCSP request cannot be built.
pub fn requests_needed(
    certificate: &Certificate,
    issuer: &Certificate,
) -> Result<Vec<StatusRequest>, RequestError> {
    let (_, parsed) = X509Certificate::from_der(certificate.der()).map_err(decode("certificate"))?;
    let mut requests = Vec::new();
    #[cfg(feature = "ocsp")]
    for url in ocsp_urls(&parsed)? {
        let body = super::ocsp::build_request(certificate, issuer, super::ocsp::CertIdHash::Sha1, None)?;
        requests.push(StatusRequest::Ocsp { url, body });
    }
    #[cfg(not(feature = "ocsp"))]
    let _ = issuer;
    for url in crl_urls(&parsed)? {
        requests.push(StatusRequest::Crl { url });
    }
    Ok(requests)
}

/// The status requests for a certificate and every CA of its verified
/// path (D202, D217): [`requests_needed`] for the certificate with the
/// path's first CA as issuer, then for each CA with the next; the trust
/// anchor, last on the path, is trusted and never asked about. Requests
/// are not repeated.
#[derive(Debug, Default)]
pub struct StatusPlan {
    /// What to fetch, in path order.
    pub requests: Vec<StatusRequest>,
    /// The certificates whose requests could not be planned, and why:
    /// their status stays `not_checked` or `unavailable` unless other
    /// evidence decides it.
    pub unplanned: Vec<UnplannedStatus>,
}

/// A certificate of a [`StatusPlan`] whose requests could not be planned.
#[derive(Debug)]
pub struct UnplannedStatus {
    /// Its subject, for display ([`Certificate::subject`]).
    pub subject: String,
    /// Why.
    pub error: RequestError,
}

impl StatusPlan {
    /// The plan for `certificate` and the CAs of `path` (its issuer first,
    /// the trust anchor last, as [`crate::trust::VerifyOptions::verify_path`]
    /// answers it).
    pub fn for_path(certificate: &Certificate, path: &[Certificate]) -> Self {
        let mut plan = StatusPlan::default();
        let subjects = std::iter::once(certificate).chain(path.iter());
        for (subject, issuer) in subjects.zip(path) {
            plan.add(subject, issuer);
        }
        plan
    }

    /// Adds another plan's requests (not repeating any) and failures.
    pub fn extend(&mut self, other: StatusPlan) {
        for request in other.requests {
            self.push(request);
        }
        self.unplanned.extend(other.unplanned);
    }

    fn add(&mut self, certificate: &Certificate, issuer: &Certificate) {
        match requests_needed(certificate, issuer) {
            Ok(requests) => requests.into_iter().for_each(|request| self.push(request)),
            Err(error) => self.unplanned.push(UnplannedStatus {
                subject: certificate.subject.clone(),
                error,
            }),
        }
    }

    fn push(&mut self, request: StatusRequest) {
        if !self.requests.contains(&request) {
            self.requests.push(request);
        }
    }
}

fn decode<E>(what: &'static str) -> impl Fn(E) -> RequestError
where
    X509Error: From<E>,
{
    move |error| RequestError::Decode {
        what,
        cause: DerError(X509Error::from(error)),
    }
}

/// The `http://` OCSP responder URLs of the AIA extension (RFC 5280
/// §4.2.2.1: accessMethod id-ad-ocsp, accessLocation a URI).
#[cfg_attr(not(feature = "ocsp"), allow(dead_code))]
fn ocsp_urls(parsed: &X509Certificate<'_>) -> Result<Vec<String>, RequestError> {
    let mut urls = Vec::new();
    for extension in parsed.extensions() {
        match extension.parsed_extension() {
            ParsedExtension::AuthorityInfoAccess(aia) => urls.extend(
                aia.iter()
                    .filter(|d| d.access_method == OID_PKIX_ACCESS_DESCRIPTOR_OCSP)
                    .filter_map(|d| http_uri(&d.access_location)),
            ),
            ParsedExtension::ParseError { error } if extension.oid == OID_PKIX_AUTHORITY_INFO_ACCESS => {
                return Err(decode("authorityInfoAccess")(error.clone()));
            }
            _ => {}
        }
    }
    Ok(without_repeats(urls))
}

/// The `http://` URIs of the CRL distribution points' full names
/// (RFC 5280 §4.2.1.13); a point named relative to the CRL issuer has no
/// URI and is left out.
fn crl_urls(parsed: &X509Certificate<'_>) -> Result<Vec<String>, RequestError> {
    let mut urls = Vec::new();
    for extension in parsed.extensions() {
        match extension.parsed_extension() {
            ParsedExtension::CRLDistributionPoints(points) => {
                for point in points.iter() {
                    if let Some(DistributionPointName::FullName(names)) = &point.distribution_point {
                        urls.extend(names.iter().filter_map(http_uri));
                    }
                }
            }
            ParsedExtension::ParseError { error }
                if extension.oid == OID_X509_EXT_CRL_DISTRIBUTION_POINTS =>
            {
                return Err(decode("cRLDistributionPoints")(error.clone()));
            }
            _ => {}
        }
    }
    Ok(without_repeats(urls))
}

/// A URI general name with the scheme `http` (case-insensitive, RFC 3986
/// §3.1).
fn http_uri(name: &GeneralName<'_>) -> Option<String> {
    match name {
        GeneralName::URI(uri) if is_http(uri) => Some((*uri).to_owned()),
        _ => None,
    }
}

/// Whether `url` is an `http://` URL.
pub(crate) fn is_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}

fn without_repeats(urls: Vec<String>) -> Vec<String> {
    let mut kept: Vec<String> = Vec::with_capacity(urls.len());
    for url in urls {
        if !kept.contains(&url) {
            kept.push(url);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 3986 §3.1: schemes are case-insensitive; only http is planned (D197).
    #[test]
    fn d197_only_http_locations_are_planned() {
        assert!(is_http("http://ocsp.example/"));
        assert!(is_http("HTTP://ocsp.example/"));
        assert!(!is_http("https://ocsp.example/"));
        assert!(!is_http("ldap://ldap.example/cn=ca"));
        assert!(!is_http("http:/"));
    }
}
