//! The provider directory (Verzeichnis der DMDA): which provider
//! certificates may sign for which De-Mail domain, given by the caller.
//!
//! The TR binds a provider's signature to its domain only through the
//! accreditation (TR 01201-3.4 §3.1.14: the Signaturzertifikat des DMDA); a
//! trust anchor alone lets any accredited provider sign for any domain. A
//! [`ProviderDirectory`] closes that gap: [`crate::integrity::verify`] asks it
//! whether the signer's certificate is listed for the domain of
//! `X-de-mail-sender` (for confirmations and notifications that is the
//! provider's system address, PVD FU §4.3). Without a directory the report
//! says [`SignerBinding::NotChecked`]; with one, an unlisted signer fails
//! with FC-02 (docs/decisions.md D52, which also gives the CLI's JSON file
//! format).
//!
//! ```
//! use demail::certificate::Certificate;
//! use demail::provider_directory::{AllowedSigner, ProviderDirectory, ProviderMap};
//!
//! let cert = Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/rsa3072.cert.pem")?)?;
//! let mut directory = ProviderMap::default();
//! directory.allow("stadt-musterstadt.de-mail.de", AllowedSigner::Fingerprint(cert.sha256_fingerprint()));
//! assert!(directory.allows("Stadt-Musterstadt.de-mail.de", &cert));
//! assert!(!directory.allows("beispiel.de-mail.de", &cert));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::BTreeMap;

use crate::certificate::Certificate;

/// Answers whether a certificate may sign for a De-Mail domain.
pub trait ProviderDirectory {
    /// Whether `certificate` is listed for `domain` (compared
    /// case-insensitively, ACM §2.1.3).
    fn allows(&self, domain: &str, certificate: &Certificate) -> bool;
}

/// One entry of a [`ProviderMap`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllowedSigner {
    /// The certificate with this SHA-256 fingerprint of its DER encoding.
    Fingerprint([u8; 32]),
    /// Any certificate with exactly this issuer and subject, compared on the
    /// DER encodings of both Names (never on the display string, which does
    /// not escape `,` `+` `=` and so lets look-alike names match; D52). The
    /// chain to a trust anchor is still required. Build it with
    /// [`AllowedSigner::issuer_and_subject_of`].
    IssuerAndSubject {
        /// DER of the issuer Name.
        issuer_der: Vec<u8>,
        /// DER of the subject Name.
        subject_der: Vec<u8>,
    },
}

impl AllowedSigner {
    /// The entry that lists every certificate with the issuer and subject of
    /// `certificate` (e.g. its renewals by the same CA).
    pub fn issuer_and_subject_of(certificate: &Certificate) -> Self {
        AllowedSigner::IssuerAndSubject {
            issuer_der: certificate.issuer_der().to_vec(),
            subject_der: certificate.subject_der().to_vec(),
        }
    }

    /// Whether `certificate` is this entry.
    pub fn matches(&self, certificate: &Certificate) -> bool {
        match self {
            AllowedSigner::Fingerprint(fingerprint) => certificate.sha256_fingerprint() == *fingerprint,
            AllowedSigner::IssuerAndSubject {
                issuer_der,
                subject_der,
            } => certificate.issuer_der() == issuer_der && certificate.subject_der() == subject_der,
        }
    }
}

/// A directory held in memory: De-Mail domain → allowed signers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderMap {
    domains: BTreeMap<String, Vec<AllowedSigner>>,
}

impl ProviderMap {
    /// Lists `signer` for `domain` (stored in lower case).
    pub fn allow(&mut self, domain: &str, signer: AllowedSigner) {
        self.domains
            .entry(domain.to_ascii_lowercase())
            .or_default()
            .push(signer);
    }

    /// The signers listed for `domain`.
    pub fn signers(&self, domain: &str) -> &[AllowedSigner] {
        self.domains
            .get(&domain.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }
}

impl ProviderDirectory for ProviderMap {
    fn allows(&self, domain: &str, certificate: &Certificate) -> bool {
        self.signers(domain).iter().any(|s| s.matches(certificate))
    }
}

/// Whether the signer was checked against a [`ProviderDirectory`]; in
/// JSON `{"state": "listed", "domain": "..."}` (`state` in snake_case).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "state", rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SignerBinding {
    /// No directory was given (or the check did not get that far).
    NotChecked,
    /// A directory was given but the message is hash-only: there is no
    /// signer to bind, so the directory says nothing about it. Use
    /// `VerifyOptions::require_signature` (`--require-signature`) to refuse
    /// such messages (D52; review of issue 11, finding 6).
    Unsigned,
    /// The signer is listed for this domain.
    Listed {
        /// The domain of the sender address.
        domain: String,
    },
    /// The signer is not listed for this domain (FC-02).
    NotListed {
        /// The domain of the sender address.
        domain: String,
    },
    /// The message names no sender address to bind the signer to (FC-02).
    NoSenderDomain,
}
