//! Evidence bundles (Nachweisdatei) for archives: the status evidence a
//! verification used — the CA certificates of the verified path, the CRLs
//! and OCSP responses that decided the status of the signer and of each CA
//! — written as one text file, and read back to verify again offline at the
//! same past time, from that evidence alone (issue 13 §6; TR 01201-3.4
//! §3.1.21, PVD FU Schritt 48; docs/decisions.md D199, D200).
//!
//! The format, version 1, is UTF-8 text (RFC 7468 PEM, strict):
//!
//! ```text
//! demail-evidence: 1
//! verification-time: 2026-11-24T00:00:00Z
//!
//! -----BEGIN CERTIFICATE-----        the CA certificates of the path,
//! ...                                 the signer's issuer first, the
//! -----END CERTIFICATE-----           trust anchor last
//! -----BEGIN X509 CRL-----            CRLs (RFC 5280 §5), DER in PEM
//! ...
//! -----END X509 CRL-----
//! -----BEGIN OCSP RESPONSE-----       OCSPResponse (RFC 6960 §4.2.1)
//! ...
//! -----END OCSP RESPONSE-----
//! ```
//!
//! The two header lines come first, in this order; then an empty line;
//! then only PEM blocks of these three labels and empty lines. Anything
//! else is refused with the line and the rule. The bundle is not signed:
//! every CRL and OCSP response carries its issuer's signature and is
//! checked again when read back, so an edited piece is refused (FC-03), and
//! the certificates are only intermediates for path building, **never
//! trust anchors** — those come from the caller (fail closed, D200).
//!
//! ```
//! use demail::certificate::Certificate;
//! use demail::fields::DateTime;
//! use demail::status::Evidence;
//! use demail::status::evidence::{EvidenceBundle, EvidenceBundleError};
//!
//! let ca = Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/ca.cert.pem")?)?;
//! let bundle = EvidenceBundle {
//!     time: DateTime::parse_rfc3339("2026-11-24T00:00:00Z")?,
//!     certificates: vec![ca],
//!     evidence: Evidence::default(),
//! };
//! let text = bundle.to_text();
//! assert!(text.starts_with("demail-evidence: 1\nverification-time: 2026-11-24T00:00:00Z\n\n-----BEGIN CERTIFICATE-----\n"));
//! assert_eq!(EvidenceBundle::parse(text.as_bytes())?, bundle);
//! // Text outside the PEM blocks is refused, with its line.
//! let edited = format!("{text}trust me\n");
//! assert!(matches!(EvidenceBundle::parse(edited.as_bytes()), Err(EvidenceBundleError::Pem { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeSet;

use crate::certificate::{Certificate, CertificateError};
use crate::fields::{DateTime, DateTimeError};
use crate::pem::{PemProblem, strict_blocks, to_pem};

use super::{CertificateStatus, ChainCertificate, Evidence, EvidenceKind};

/// The first header line: the format and its version.
pub const FORMAT_LINE: &str = "demail-evidence: 1";
/// The name of the second header line.
const TIME_FIELD: &str = "verification-time: ";
/// The largest bundle [`EvidenceBundle::parse`] reads (16 MiB).
pub const MAX_BUNDLE_BYTES: usize = 16 << 20;
/// The most PEM blocks a bundle may hold.
pub const MAX_BLOCKS: usize = 256;

const CERTIFICATE: &str = "CERTIFICATE";
const CRL: &str = "X509 CRL";
const OCSP_RESPONSE: &str = "OCSP RESPONSE";

/// The evidence of one verification, for an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceBundle {
    /// The verification time the evidence was judged at.
    pub time: DateTime,
    /// The CA certificates of the verified path, the signer's issuer first,
    /// the trust anchor last. Read back they are intermediates for path
    /// building only, never trust anchors (D200).
    pub certificates: Vec<Certificate>,
    /// The CRLs and OCSP responses that decided the statuses, DER.
    pub evidence: Evidence,
}

/// Why an evidence bundle was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvidenceBundleError {
    /// Larger than [`MAX_BUNDLE_BYTES`], or more than [`MAX_BLOCKS`] blocks.
    #[error("the evidence bundle is larger than the limit of {limit} {what} (D199)")]
    TooLarge {
        /// `bytes` or `blocks`.
        what: &'static str,
        /// The limit.
        limit: usize,
    },
    /// Not UTF-8 text.
    #[error("the evidence bundle is not UTF-8 text")]
    NotText,
    /// The first line is not [`FORMAT_LINE`] (another format or version).
    #[error("line 1: not `{FORMAT_LINE}` (another format or version; D199)")]
    Format,
    /// The second line is not `verification-time: <RFC 3339>`.
    #[error("line 2: not `verification-time: <RFC 3339 date-time>`")]
    Time(#[source] Option<DateTimeError>),
    /// The empty line after the header is missing.
    #[error("line 3: the empty line after the header is missing")]
    NoSeparator,
    /// A line breaks the strict PEM syntax (RFC 7468 §3).
    #[error("line {line}: {rule} (RFC 7468 §3, strict)")]
    Pem {
        /// The line (1-based).
        line: usize,
        /// What is wrong.
        rule: PemRule,
    },
    /// A PEM label the format does not have.
    #[error("line {line}: the PEM label `{label}` is not CERTIFICATE, X509 CRL or OCSP RESPONSE")]
    Label {
        /// The line of the block.
        line: usize,
        /// Its label.
        label: String,
    },
    /// A certificate block does not decode.
    #[error("line {line}: the certificate does not decode")]
    Certificate {
        /// The line of the block.
        line: usize,
        /// Why.
        #[source]
        cause: CertificateError,
    },
}

/// The strict PEM rules of a bundle (RFC 7468 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PemRule {
    /// Only PEM blocks and empty lines may follow the header.
    TextOutsideBlock,
    /// A block ends with the `END` line of its own label.
    Unterminated,
    /// A block's body is base64.
    Base64,
}

impl std::fmt::Display for PemRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PemRule::TextOutsideBlock => "text outside a PEM block",
            PemRule::Unterminated => "a PEM block without its END line",
            PemRule::Base64 => "a PEM body that is not base64",
        })
    }
}

impl From<PemProblem> for PemRule {
    fn from(problem: PemProblem) -> Self {
        match problem {
            PemProblem::TextOutsideBlock => PemRule::TextOutsideBlock,
            PemProblem::Unterminated => PemRule::Unterminated,
            PemProblem::Base64 => PemRule::Base64,
        }
    }
}

impl EvidenceBundle {
    /// The bundle of a verification at `time`: the CA certificates of each
    /// signer's path and, from `given`, the pieces each status rests on
    /// ([`CertificateStatus::evidence_used`]), in their given order. One
    /// `(status, chain)` per signature the verification checked (a
    /// confirmation has two).
    pub fn collect<'r>(
        time: DateTime,
        signers: impl IntoIterator<Item = (&'r CertificateStatus, &'r [ChainCertificate])>,
        given: &Evidence,
    ) -> Self {
        let mut certificates: Vec<Certificate> = Vec::new();
        let mut used: BTreeSet<(u8, usize)> = BTreeSet::new();
        for (status, chain) in signers {
            for ca in chain {
                if !certificates.contains(&ca.certificate) {
                    certificates.push(ca.certificate.clone());
                }
            }
            let statuses = std::iter::once(status).chain(chain.iter().map(|c| &c.status));
            used.extend(
                statuses
                    .flat_map(CertificateStatus::evidence_used)
                    .map(|(kind, index)| (u8::from(kind == EvidenceKind::Ocsp), index)),
            );
        }
        let pick = |kind: u8, pieces: &[Vec<u8>]| -> Vec<Vec<u8>> {
            used.iter()
                .filter(|(k, _)| *k == kind)
                .filter_map(|(_, index)| pieces.get(*index).cloned())
                .collect()
        };
        let mut evidence = Evidence::default();
        // DER in the bundle; a piece that is neither DER nor PEM is kept as
        // it came, to be refused again when read back.
        evidence.crls.extend(
            pick(0, &given.crls)
                .into_iter()
                .map(|crl| super::crl::to_der(&crl).unwrap_or(crl)),
        );
        evidence.ocsp_responses.extend(pick(1, &given.ocsp_responses));
        EvidenceBundle {
            time,
            certificates,
            evidence,
        }
    }

    /// The bundle as text (the format of the [module documentation](self)).
    pub fn to_text(&self) -> String {
        let mut text = format!("{FORMAT_LINE}\n{TIME_FIELD}{}\n\n", self.time.to_rfc3339());
        let blocks = (self.certificates.iter().map(|c| (CERTIFICATE, c.der())))
            .chain(self.evidence.crls.iter().map(|der| (CRL, der.as_slice())))
            .chain(
                self.evidence
                    .ocsp_responses
                    .iter()
                    .map(|der| (OCSP_RESPONSE, der.as_slice())),
            );
        for (label, der) in blocks {
            text.push_str(&to_pem(label, der));
        }
        text
    }

    /// Reads a bundle; strict (D199).
    ///
    /// # Errors
    /// [`EvidenceBundleError`] naming the line and the rule.
    pub fn parse(bytes: &[u8]) -> Result<Self, EvidenceBundleError> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(EvidenceBundleError::TooLarge {
                what: "bytes",
                limit: MAX_BUNDLE_BYTES,
            });
        }
        let text = std::str::from_utf8(bytes).map_err(|_| EvidenceBundleError::NotText)?;
        let mut lines = text.split('\n').map(|line| line.trim_end_matches('\r'));
        if lines.next() != Some(FORMAT_LINE) {
            return Err(EvidenceBundleError::Format);
        }
        let time = lines
            .next()
            .and_then(|line| line.strip_prefix(TIME_FIELD))
            .ok_or(EvidenceBundleError::Time(None))?;
        let time = DateTime::parse_rfc3339(time).map_err(|e| EvidenceBundleError::Time(Some(e)))?;
        if lines.next() != Some("") {
            return Err(EvidenceBundleError::NoSeparator);
        }
        let blocks = strict_blocks(lines, 4).map_err(|(line, problem)| EvidenceBundleError::Pem {
            line,
            rule: problem.into(),
        })?;
        if blocks.len() > MAX_BLOCKS {
            return Err(EvidenceBundleError::TooLarge {
                what: "blocks",
                limit: MAX_BLOCKS,
            });
        }
        let mut bundle = EvidenceBundle {
            time,
            certificates: Vec::new(),
            evidence: Evidence::default(),
        };
        for block in blocks {
            match block.label.as_str() {
                CERTIFICATE => {
                    bundle
                        .certificates
                        .push(Certificate::from_der(block.der).map_err(|cause| {
                            EvidenceBundleError::Certificate {
                                line: block.line,
                                cause,
                            }
                        })?)
                }
                CRL => bundle.evidence.crls.push(block.der),
                OCSP_RESPONSE => bundle.evidence.ocsp_responses.push(block.der),
                _ => {
                    return Err(EvidenceBundleError::Label {
                        line: block.line,
                        label: block.label,
                    });
                }
            }
        }
        Ok(bundle)
    }
}
