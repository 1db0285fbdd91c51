//! Certificate status (Sperrstatus): whether a provider certificate was
//! revoked at the verification time, decided from revocation evidence the
//! caller gives — RFC 5280 CRLs and (feature `ocsp`) RFC 6960 OCSP
//! responses — and what that means as a TR error case and as an ETSI
//! EN 319 102-1 indication.
//!
//! TR 01201-3.4 §3.1.21 requires the signature certificate to be checked for
//! validity; PVD FU Schritt 48 tells a revoked certificate (FC-02,
//! "Zertifikat ungültig") from a status that could not be checked (FC-03).
//! [`check_status`] takes a certificate, its issuer, the verification time
//! and the [`Evidence`] and returns a [`CertificateStatus`]; it does no I/O.
//! CRLs are checked by rustls-webpki (scope, the issuer's signature,
//! `nextUpdate` against the verification time, RFC 5280 §6.3); OCSP
//! responses by [`ocsp`] (RFC 6960 §3.2). [`check_ca_status`] does the same
//! for a CA certificate of a verified path (the chain's status, D202), and
//! [`evidence`] writes and reads the evidence of a verification as one file
//! for archives (D199).
//!
//! ```
//! use std::time::SystemTime;
//! use demail::certificate::Certificate;
//! use demail::status::{CertificateStatus, Evidence, StatusOptions, check_status};
//!
//! let pem = std::fs::read_to_string("tests/data/keys/ca.cert.pem")?;
//! let ca = Certificate::from_pem(&pem)?;
//! let pem = std::fs::read_to_string("tests/data/keys/intermediate.cert.pem")?;
//! let intermediate = Certificate::from_pem(&pem)?;
//! // No evidence given: the status is not checked, which fails closed (FC-03).
//! let status = check_status(&intermediate, &ca, SystemTime::now(), &Evidence::default(), &StatusOptions::default());
//! assert_eq!(status, CertificateStatus::NotChecked);
//! assert_eq!(status.error_case().map(|case| case.code()), Some("FC-03"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod crl;
pub mod evidence;
pub mod indication;
#[cfg(feature = "ocsp")]
pub mod ocsp;
#[cfg(feature = "online")]
pub mod online;
pub mod request;

use std::time::{Duration, SystemTime};

use crate::certificate::Certificate;
use crate::error_case::ErrorCase;

pub use indication::{Indication, SubIndication, TimeBasis};
pub use request::{
    FetchError, FetchFailure, RequestError, StatusPlan, StatusRequest, TimeoutPhase, UnplannedStatus,
    requests_needed,
};

/// The status of a certificate at the verification time.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateStatus {
    /// Not revoked at the verification time, per `source`
    /// (RFC 5280 §6.3.3, RFC 6960 §2.2 "good").
    Good {
        /// The evidence that says so.
        source: StatusSource,
        /// When the status was known to be correct (`thisUpdate`).
        this_update: SystemTime,
        /// When newer status will be available (`nextUpdate`), if stated.
        next_update: Option<SystemTime>,
    },
    /// Revoked at or before the verification time (FC-02).
    Revoked {
        /// When and why.
        revocation: Revocation,
        /// The evidence that says so.
        source: StatusSource,
    },
    /// Revoked, but only after the verification time: the certificate was
    /// not revoked at that time (the archive case, docs/decisions.md D131).
    RevokedAfter {
        /// When and why.
        revocation: Revocation,
        /// The evidence that says so.
        source: StatusSource,
    },
    /// The OCSP responder does not know the certificate (RFC 6960 §2.2
    /// "unknown"; FC-03).
    Unknown {
        /// The response that says so.
        source: StatusSource,
    },
    /// Evidence was given but none of it could be used (FC-03); why each
    /// piece was rejected.
    Unavailable(StatusUnavailable),
    /// No evidence was given (FC-03, docs/decisions.md D132).
    NotChecked,
}

impl CertificateStatus {
    /// The TR error case (PVD FU Schritt 48): revoked → FC-02; unknown,
    /// unavailable or not checked → FC-03; `None` when the certificate was
    /// not revoked at the verification time.
    pub fn error_case(&self) -> Option<ErrorCase> {
        match self {
            CertificateStatus::Good { .. } | CertificateStatus::RevokedAfter { .. } => None,
            CertificateStatus::Revoked { .. } => Some(ErrorCase::Fc02CertificateInvalid),
            CertificateStatus::Unknown { .. }
            | CertificateStatus::Unavailable(_)
            | CertificateStatus::NotChecked => Some(ErrorCase::Fc03StatusUnchecked),
        }
    }

    /// A stable snake_case code: `good`, `revoked`, `revoked_after`,
    /// `unknown`, `unavailable`, `not_checked`.
    pub const fn code(&self) -> &'static str {
        match self {
            CertificateStatus::Good { .. } => "good",
            CertificateStatus::Revoked { .. } => "revoked",
            CertificateStatus::RevokedAfter { .. } => "revoked_after",
            CertificateStatus::Unknown { .. } => "unknown",
            CertificateStatus::Unavailable(_) => "unavailable",
            CertificateStatus::NotChecked => "not_checked",
        }
    }
}

/// `{"code": "revoked", "revocation": {...} | null, "detail": "..."}`:
/// the stable [`code`](CertificateStatus::code), the revocation when
/// revoked, and the text of [`Display`](std::fmt::Display) (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for CertificateStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let revocation = match self {
            CertificateStatus::Revoked { revocation, .. }
            | CertificateStatus::RevokedAfter { revocation, .. } => Some(revocation),
            _ => None,
        };
        let mut out = serializer.serialize_struct("CertificateStatus", 3)?;
        out.serialize_field("code", self.code())?;
        out.serialize_field("revocation", &revocation)?;
        out.serialize_field("detail", &self.to_string())?;
        out.end()
    }
}

impl std::fmt::Display for CertificateStatus {
    /// The code, with the revocation time (seconds since the epoch) and
    /// reason when revoked: `revoked at 1795478400 (key_compromise)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertificateStatus::Revoked { revocation, .. }
            | CertificateStatus::RevokedAfter { revocation, .. } => {
                write!(f, "{} at {}", self.code(), seconds(revocation.time))?;
                match revocation.reason {
                    Some(reason) => write!(f, " ({})", reason.code()),
                    None => Ok(()),
                }
            }
            CertificateStatus::Unavailable(unavailable) => write!(f, "unavailable: {unavailable}"),
            other => f.write_str(other.code()),
        }
    }
}

/// A revocation: when, and the reason when the evidence gives one; in
/// JSON `{"time": RFC 3339 UTC, "reason": "key_compromise" | null}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Revocation {
    /// `revocationDate` (CRL) or `revocationTime` (OCSP).
    #[cfg_attr(
        feature = "serde",
        serde(serialize_with = "crate::fields::serialize_system_time")
    )]
    pub time: SystemTime,
    /// The reason code (RFC 5280 §5.3.1), when present.
    pub reason: Option<RevocationReason>,
}

/// CRLReason (RFC 5280 §5.3.1); in JSON its [`code`](RevocationReason::code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum RevocationReason {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3).
    AffiliationChanged,
    /// superseded (4).
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6).
    CertificateHold,
    /// removeFromCRL (8).
    RemoveFromCrl,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
    /// aACompromise (10).
    AaCompromise,
}

impl RevocationReason {
    /// The reason for a CRLReason code; `None` for 7 and codes above 10.
    pub const fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => RevocationReason::Unspecified,
            1 => RevocationReason::KeyCompromise,
            2 => RevocationReason::CaCompromise,
            3 => RevocationReason::AffiliationChanged,
            4 => RevocationReason::Superseded,
            5 => RevocationReason::CessationOfOperation,
            6 => RevocationReason::CertificateHold,
            8 => RevocationReason::RemoveFromCrl,
            9 => RevocationReason::PrivilegeWithdrawn,
            10 => RevocationReason::AaCompromise,
            _ => return None,
        })
    }

    /// The snake_case name of the reason (`key_compromise`, ...).
    pub const fn code(self) -> &'static str {
        match self {
            RevocationReason::Unspecified => "unspecified",
            RevocationReason::KeyCompromise => "key_compromise",
            RevocationReason::CaCompromise => "ca_compromise",
            RevocationReason::AffiliationChanged => "affiliation_changed",
            RevocationReason::Superseded => "superseded",
            RevocationReason::CessationOfOperation => "cessation_of_operation",
            RevocationReason::CertificateHold => "certificate_hold",
            RevocationReason::RemoveFromCrl => "remove_from_crl",
            RevocationReason::PrivilegeWithdrawn => "privilege_withdrawn",
            RevocationReason::AaCompromise => "aa_compromise",
        }
    }
}

/// A CA certificate of a verified path and its status at the verification
/// time (the chain's status, RFC 5280 §6.1.3 a 3; D202). In JSON
/// (feature `serde`) `{"certificate", "anchor", "status"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ChainCertificate {
    /// The CA certificate.
    pub certificate: Certificate,
    /// Whether it is the trust anchor the path ends in: the caller trusts
    /// it, so its status is [`CertificateStatus::NotChecked`] and never
    /// refuses.
    pub anchor: bool,
    /// Its status, from the same [`Evidence`] as the signer's.
    pub status: CertificateStatus,
}

impl StatusSource {
    /// The kind of evidence and its position in [`Evidence`].
    pub fn evidence(&self) -> (EvidenceKind, usize) {
        match self {
            StatusSource::Crl { index } => (EvidenceKind::Crl, *index),
            StatusSource::Ocsp { index, .. } => (EvidenceKind::Ocsp, *index),
        }
    }
}

impl CertificateStatus {
    /// The evidence the status rests on: its source, or, when no piece
    /// was usable, the pieces rejected for a reason other than speaking
    /// about other certificates (D157, D199), so that the same evidence
    /// gives the same status again.
    pub fn evidence_used(&self) -> Vec<(EvidenceKind, usize)> {
        match self {
            CertificateStatus::Good { source, .. }
            | CertificateStatus::Revoked { source, .. }
            | CertificateStatus::RevokedAfter { source, .. }
            | CertificateStatus::Unknown { source } => vec![source.evidence()],
            CertificateStatus::Unavailable(unavailable) => unavailable
                .rejected
                .iter()
                .filter(|r| !r.error.is_about_another_certificate())
                .map(|r| (r.kind, r.index))
                .collect(),
            CertificateStatus::NotChecked => Vec::new(),
        }
    }
}

/// Which piece of [`Evidence`] a status comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusSource {
    /// `Evidence::crls[index]`.
    Crl {
        /// Position in [`Evidence::crls`].
        index: usize,
    },
    /// `Evidence::ocsp_responses[index]`.
    Ocsp {
        /// Position in [`Evidence::ocsp_responses`].
        index: usize,
        /// Who signed the response.
        responder: Responder,
        /// `producedAt`.
        produced_at: SystemTime,
    },
}

/// Who signed an OCSP response (RFC 6960 §4.2.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Responder {
    /// The CA that issued the certificate.
    Issuer,
    /// A responder certificate issued by that CA with id-kp-OCSPSigning.
    Delegated {
        /// The responder certificate's subject, for display.
        subject: String,
    },
}

/// Why no status could be decided although evidence was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no usable status evidence ({} piece(s) rejected)", .rejected.len())]
pub struct StatusUnavailable {
    /// Each piece of evidence and why it was rejected, in the order given.
    pub rejected: Vec<RejectedEvidence>,
}

impl StatusUnavailable {
    /// Whether every piece was rejected because it speaks about other
    /// certificates — a CRL of another issuer or scope, an OCSP response
    /// without a `SingleResponse` for this certificate — so that nothing
    /// was said about this one (docs/decisions.md D157). A stale, forged
    /// or undecodable piece is not "about another certificate".
    pub fn only_about_other_certificates(&self) -> bool {
        !self.rejected.is_empty()
            && self
                .rejected
                .iter()
                .all(|r| r.error.is_about_another_certificate())
    }

    /// Whether no piece said anything about this certificate: each one is
    /// about other certificates ([`Self::only_about_other_certificates`],
    /// D157) or could not be fetched ([`EvidenceError::NotFetched`], D196).
    /// Only [`crate::trust::StatusPolicy::Require`] refuses such a status.
    pub fn silent(&self) -> bool {
        !self.rejected.is_empty()
            && self.rejected.iter().all(|r| {
                r.error.is_about_another_certificate() || matches!(r.error, EvidenceError::NotFetched(_))
            })
    }
}

/// One piece of evidence that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} #{index}: {error}")]
pub struct RejectedEvidence {
    /// CRL or OCSP response.
    pub kind: EvidenceKind,
    /// Its position in the [`Evidence`] list of its kind, or in
    /// [`Evidence::failed_fetches`] for [`EvidenceError::NotFetched`].
    pub index: usize,
    /// Why.
    #[source]
    pub error: EvidenceError,
}

/// The kinds of status evidence; in JSON `crl` or `ocsp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum EvidenceKind {
    /// An RFC 5280 certificate revocation list.
    Crl,
    /// An RFC 6960 OCSP response.
    Ocsp,
}

impl std::fmt::Display for EvidenceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EvidenceKind::Crl => "CRL",
            EvidenceKind::Ocsp => "OCSP response",
        })
    }
}

/// Why a CRL or OCSP response was not used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// Neither DER nor a PEM `X509 CRL` block (RFC 5280 §5).
    #[error("the CRL is not PEM")]
    CrlPem,
    /// The CRL does not decode, or uses what webpki does not support
    /// (delta CRLs, v1, no nextUpdate).
    #[error("the CRL does not decode: {0}")]
    CrlDecode(webpki::Error),
    /// The CRL is not for this certificate: another issuer, or an issuing
    /// distribution point that does not cover it (RFC 5280 §6.3.3 b).
    #[error("the CRL does not cover the certificate")]
    CrlNotInScope,
    /// The CRL's signature does not verify with the issuer's key
    /// (RFC 5280 §6.3.3 f, g).
    #[error("the CRL signature does not verify with the issuer's key: {0}")]
    CrlSignature(webpki::Error),
    /// `nextUpdate` is at or before the verification time (RFC 5280
    /// §6.3.3 a 1: a stale CRL).
    #[error("the CRL is stale: nextUpdate {} is not after the verification time", seconds(*.next_update))]
    CrlStale {
        /// The CRL's `nextUpdate`.
        next_update: SystemTime,
    },
    /// The certificate is outside its validity period at the verification
    /// time, so its status says nothing.
    #[error("the certificate is outside its validity period: {0}")]
    CertificateOutsideValidity(webpki::Error),
    /// The certificate was not issued by the given issuer.
    #[error("the certificate was not issued by the given issuer: {0}")]
    NotIssuedBy(webpki::Error),
    /// Another failure of the CRL check.
    #[error("the CRL check failed: {0}")]
    CrlCheck(webpki::Error),
    /// An OCSP response was given, but the crate was built without the
    /// `ocsp` feature.
    #[error("OCSP support is not built in (cargo feature `ocsp`)")]
    OcspNotBuilt,
    /// The OCSP response failed its checks.
    #[cfg(feature = "ocsp")]
    #[error(transparent)]
    Ocsp(#[from] ocsp::OcspError),
    /// The evidence was asked for but not obtained: the responder or CRL
    /// server did not answer usably ([`Evidence::failed_fetches`], D196).
    #[error(transparent)]
    NotFetched(FetchFailure),
}

impl EvidenceError {
    /// Whether the piece is valid in form but for other certificates:
    /// [`EvidenceError::CrlNotInScope`] or an OCSP response with no
    /// `SingleResponse` for the certificate (D157).
    pub fn is_about_another_certificate(&self) -> bool {
        match self {
            EvidenceError::CrlNotInScope => true,
            #[cfg(feature = "ocsp")]
            EvidenceError::Ocsp(ocsp::OcspError::NotForCertificate) => true,
            _ => false,
        }
    }

    /// A stable snake_case code for reports (`crl_stale`, `ocsp_signature`, ...).
    pub const fn code(&self) -> &'static str {
        match self {
            EvidenceError::CrlPem => "crl_pem",
            EvidenceError::CrlDecode(_) => "crl_decode",
            EvidenceError::CrlNotInScope => "crl_not_in_scope",
            EvidenceError::CrlSignature(_) => "crl_signature",
            EvidenceError::CrlStale { .. } => "crl_stale",
            EvidenceError::CertificateOutsideValidity(_) => "certificate_outside_validity",
            EvidenceError::NotIssuedBy(_) => "not_issued_by",
            EvidenceError::CrlCheck(_) => "crl_check",
            EvidenceError::OcspNotBuilt => "ocsp_not_built",
            #[cfg(feature = "ocsp")]
            EvidenceError::Ocsp(error) => error.code(),
            EvidenceError::NotFetched(failure) => failure.error.code(),
        }
    }
}

fn seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The revocation evidence for one verification, as given by the caller
/// (or read back from an archive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    /// CRLs, DER or PEM (`-----BEGIN X509 CRL-----`).
    pub crls: Vec<Vec<u8>>,
    /// OCSP responses, DER (`OCSPResponse`, RFC 6960 §4.2.1).
    pub ocsp_responses: Vec<Vec<u8>>,
    /// Status requests ([`requests_needed`]) that brought no evidence: a
    /// responder down, a timeout, an oversize answer. They make the status
    /// [`CertificateStatus::Unavailable`] rather than
    /// [`CertificateStatus::NotChecked`] when nothing else decides it, so
    /// that the report says why (D196).
    pub failed_fetches: Vec<FetchFailure>,
}

impl Evidence {
    /// Whether there is no evidence at all, and no status request was tried.
    pub fn is_empty(&self) -> bool {
        self.crls.is_empty() && self.ocsp_responses.is_empty() && self.failed_fetches.is_empty()
    }

    /// Adds the pieces and failed fetches of `other` after this one's.
    pub fn extend(&mut self, other: Evidence) {
        self.crls.extend(other.crls);
        self.ocsp_responses.extend(other.ocsp_responses);
        self.failed_fetches.extend(other.failed_fetches);
    }
}

/// How OCSP responses are judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusOptions {
    /// The nonce of the request the responses answer (RFC 8954); when set,
    /// a response without that nonce is rejected.
    pub nonce: Option<Vec<u8>>,
    /// How old a response without `nextUpdate` may be at the verification
    /// time (RFC 6960 §4.2.2.1; docs/decisions.md D130). Default 1 hour.
    pub max_age_without_next_update: Duration,
}

impl Default for StatusOptions {
    fn default() -> Self {
        StatusOptions {
            nonce: None,
            max_age_without_next_update: Duration::from_secs(3600),
        }
    }
}

/// What one piece of evidence says about the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Finding {
    NotRevoked {
        this_update: SystemTime,
        next_update: Option<SystemTime>,
    },
    Revoked(Revocation),
    /// Only an OCSP responder says "unknown" (RFC 6960 §2.2).
    #[cfg_attr(not(feature = "ocsp"), allow(dead_code))]
    Unknown,
}

/// The status of `certificate`, issued by `issuer`, at `time`, from
/// `evidence` (RFC 5280 §6.3, RFC 6960 §3.2).
///
/// Every piece is checked on its own; the verdict fails closed (D129): a
/// revocation at or before `time` in any valid piece wins, then a "good"
/// (a revocation after `time` counts as good at `time`, D131), then
/// "unknown"; when no piece is usable the status is
/// [`CertificateStatus::Unavailable`] with each piece's reason, and without
/// evidence [`CertificateStatus::NotChecked`].
pub fn check_status(
    certificate: &Certificate,
    issuer: &Certificate,
    time: SystemTime,
    evidence: &Evidence,
    options: &StatusOptions,
) -> CertificateStatus {
    check_ca_status(std::slice::from_ref(certificate), issuer, time, evidence, options)
}

/// The status of a CA certificate of a verified path at `time`, like
/// [`check_status`]: `path` is the signer certificate followed by the CAs
/// above it, up to and including the CA asked about, and `issuer` issued
/// that CA (the next certificate of the path; RFC 5280 §6.1.3 a 3, which
/// checks every certificate of the path; D202). A trust anchor has no
/// status of its own: the caller trusts it.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use demail::certificate::Certificate;
/// use demail::status::{CertificateStatus, Evidence, StatusOptions, check_ca_status};
///
/// let read = |name: &str| std::fs::read_to_string(format!("tests/data/keys/{name}.cert.pem"));
/// let path = [Certificate::from_pem(&read("p256")?)?, Certificate::from_pem(&read("intermediate")?)?];
/// let root = Certificate::from_pem(&read("ca")?)?;
/// let at = UNIX_EPOCH + Duration::from_secs(1_795_478_400);
/// let status = check_ca_status(&path, &root, at, &Evidence::default(), &StatusOptions::default());
/// assert_eq!(status, CertificateStatus::NotChecked);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`check_status`] is this function for a path of the signer alone.
pub fn check_ca_status(
    path: &[Certificate],
    issuer: &Certificate,
    time: SystemTime,
    evidence: &Evidence,
    options: &StatusOptions,
) -> CertificateStatus {
    let Some(certificate) = path.last() else {
        return CertificateStatus::NotChecked;
    };
    if evidence.is_empty() {
        return CertificateStatus::NotChecked;
    }
    let mut found: Vec<(StatusSource, Finding)> = Vec::new();
    let mut rejected = Vec::new();
    for (index, bytes) in evidence.crls.iter().enumerate() {
        match crl::check(bytes, path, issuer, time) {
            Ok(finding) => found.push((StatusSource::Crl { index }, finding)),
            Err(error) => rejected.push(RejectedEvidence {
                kind: EvidenceKind::Crl,
                index,
                error,
            }),
        }
    }
    for (index, bytes) in evidence.ocsp_responses.iter().enumerate() {
        match check_ocsp(bytes, index, certificate, issuer, time, options) {
            Ok((source, finding)) => found.push((source, finding)),
            Err(error) => rejected.push(RejectedEvidence {
                kind: EvidenceKind::Ocsp,
                index,
                error,
            }),
        }
    }
    rejected.extend(
        evidence
            .failed_fetches
            .iter()
            .enumerate()
            .map(|(index, failure)| RejectedEvidence {
                kind: failure.kind,
                index,
                error: EvidenceError::NotFetched(failure.clone()),
            }),
    );
    decide(found, rejected, time)
}

#[cfg(feature = "ocsp")]
fn check_ocsp(
    bytes: &[u8],
    index: usize,
    certificate: &Certificate,
    issuer: &Certificate,
    time: SystemTime,
    options: &StatusOptions,
) -> Result<(StatusSource, Finding), EvidenceError> {
    let checked = ocsp::check_response(bytes, certificate, issuer, time, options)?;
    let source = StatusSource::Ocsp {
        index,
        responder: checked.responder,
        produced_at: checked.produced_at,
    };
    Ok((source, checked.finding))
}

#[cfg(not(feature = "ocsp"))]
fn check_ocsp(
    _bytes: &[u8],
    _index: usize,
    _certificate: &Certificate,
    _issuer: &Certificate,
    _time: SystemTime,
    _options: &StatusOptions,
) -> Result<(StatusSource, Finding), EvidenceError> {
    Err(EvidenceError::OcspNotBuilt)
}

fn decide(
    found: Vec<(StatusSource, Finding)>,
    rejected: Vec<RejectedEvidence>,
    time: SystemTime,
) -> CertificateStatus {
    let revoked =
        |(_, finding): &&(StatusSource, Finding)| matches!(finding, Finding::Revoked(r) if r.time <= time);
    if let Some((source, Finding::Revoked(revocation))) = found.iter().find(revoked) {
        return CertificateStatus::Revoked {
            revocation: *revocation,
            source: source.clone(),
        };
    }
    if let Some((source, Finding::Revoked(revocation))) =
        found.iter().find(|(_, f)| matches!(f, Finding::Revoked(_)))
    {
        return CertificateStatus::RevokedAfter {
            revocation: *revocation,
            source: source.clone(),
        };
    }
    if let Some((
        source,
        Finding::NotRevoked {
            this_update,
            next_update,
        },
    )) = found
        .iter()
        .find(|(_, f)| matches!(f, Finding::NotRevoked { .. }))
    {
        return CertificateStatus::Good {
            source: source.clone(),
            this_update: *this_update,
            next_update: *next_update,
        };
    }
    if let Some((source, _)) = found.into_iter().next() {
        return CertificateStatus::Unknown { source };
    }
    CertificateStatus::Unavailable(StatusUnavailable { rejected })
}
