//! The integrity field `X-de-mail-integrity` (Hashwert / Signatur,
//! TR 01201-3.4 §3.1.13, §3.1.21): a DKIM tag list (RFC 6376) with the De-Mail
//! deviations, its canonical input, and signing.
//!
//! - `c=simple/simple` only; `l=` is ignored; `a=` is `sha256` (hash only) or
//!   `sha256/rsa`, `sha384/ec-dsa`, `sha512/rsassa-pss`... (§3.1.21).
//! - `h=` lists the mandated fields in the mandated order ([`SIGNED_FIELDS`]).
//! - Where a field occurs more than once, the **first from the top** is
//!   hashed (§3.1.21), unlike RFC 6376 §5.4.2, which goes bottom-up.
//! - In hash-only mode `b=` is the base64 hash of the header input (the data
//!   that would have been signed); signed mode adds
//!   `q=x-header/x-de-mail-signature-certificate` and the certificate field.
//!
//! Everything is computed over the exact bytes kept by the
//! [`Envelope`]; headers are never re-serialized
//! before hashing.
//!
//! The module is laid out like [`crate::xmldsig`]: the tag list and its
//! writer ([`IntegrityTags`]), the canonical input ([`body_hash`],
//! [`header_input`]), signing ([`sign`]) and verification ([`verify()`],
//! which fails closed and names the FU error case). The certificate checks
//! it shares with [`crate::xmldsig`] are in [`crate::trust`].
//!
//! ```
//! use demail::envelope::Envelope;
//! use demail::integrity::{sign, verify, SignOptions, Verdict};
//! use demail::trust::VerifyOptions;
//!
//! let raw = std::fs::read("tests/data/normal-minimal.eml")?;
//! let hashed = sign(&raw, &SignOptions::hash_only())?;      // a=sha256, no key
//! let envelope = Envelope::parse(&hashed)?;
//! let report = verify(&envelope, &VerifyOptions::default());
//! assert_eq!(report.verdict, Verdict::Pass);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use crate::crypto::CryptoError;
use crate::envelope::Envelope;
use crate::fields::FieldName;
use crate::header::{HeaderError, RawField};

mod canonical;
mod sign;
mod tags;
mod verify;

pub(crate) use canonical::header_input_from;
pub use canonical::{
    FieldOccurrences, body_hash, canonical_body, field_occurrences, header_input, without_b_value,
};
pub use sign::{SignOptions, SignedMode, sign};
pub use tags::{Algorithm, IntegrityTags, MAX_SIGNED_NAMES, MAX_TAGS, QUERY_CERTIFICATE_FIELD};
#[cfg(feature = "provider")]
pub(crate) use verify::sender_domain;
pub use verify::{
    DuplicateField, ErrorCase, Failure, IntegrityMode, SignatureRequirement, Verdict, VerificationReport,
    always_signed, verify,
};

/// The fields `h=` must list, in this order (§3.1.21). `X-de-mail-private-id`
/// is listed only when the message has it.
pub const SIGNED_FIELDS: [FieldName; 20] = FieldName::SIGNED;

/// Why a message is not ready to be hashed (TR 01201-3.4 §3.1.21
/// conditions 1, 2 and 4), the cause of [`IntegrityError::NotReady`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotReadyReason {
    /// Fields Table 1 requires are missing or invalid (condition 1).
    #[error("missing or invalid: {}", .fields.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", "))]
    Metadata {
        /// The fields, in the order of the checks.
        fields: Vec<FieldName>,
    },
    /// `X-de-mail-chosen-recipient` still has BCC entries (condition 2,
    /// §3.1.8): the message must be split per BCC recipient first.
    #[error("X-de-mail-chosen-recipient has bcc entries; split the message per BCC recipient first (§3.1.8)")]
    BccNotSplit,
    /// A header line ends in LF without CR (condition 4).
    #[error("header lines must end in CRLF (bare LF at byte {offset})")]
    BareLineFeed {
        /// Offset of the LF.
        offset: usize,
    },
}

/// Why an integrity field could not be read, or a message not signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrityError {
    /// The tag list breaks RFC 6376 §3.2.
    #[error("malformed tag list at `{0}` (RFC 6376 §3.2)")]
    TagSyntax(String),
    /// A tag occurs twice (RFC 6376 §3.2: the whole list is invalid).
    #[error("tag `{0}=` occurs more than once (RFC 6376 §3.2)")]
    DuplicateTag(String),
    /// More tags, or more `h=` names, than a De-Mail integrity field can
    /// need ([`MAX_TAGS`], [`MAX_SIGNED_NAMES`]; §3.1.21 lists 20 signed
    /// fields): refused before any work grows with them (D95).
    #[error("{what} has more than {max} entries (TR 01201-3.4 §3.1.21; bounded, D95)")]
    TooManyEntries {
        /// `tags` or `h=`.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// A required tag is missing.
    #[error("tag `{0}=` is missing (RFC 6376 §3.5, TR 01201-3.4 §3.1.21)")]
    MissingTag(&'static str),
    /// `v=` is not `1`.
    #[error("version `v={0}` is not 1 (RFC 6376 §3.5)")]
    UnsupportedVersion(String),
    /// `a=` is not an algorithm of §3.1.21 (sha1, `rsa-sha256`, ...).
    #[error("algorithm `a={0}` is not allowed (TR 01201-3.4 §3.1.21)")]
    UnsupportedAlgorithm(String),
    /// `c=` is not `simple/simple`.
    #[error("canonicalization `c={0}` is not simple/simple (TR 01201-3.4 §3.1.21)")]
    UnsupportedCanonicalization(String),
    /// `b=` or `bh=` is not base64.
    #[error("tag `{0}=` is not valid base64")]
    Base64(&'static str),
    /// The message could not be parsed.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The signing key failed or does not fit the algorithm.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The message does not meet the conditions of §3.1.21 for hashing:
    /// metadata incomplete, BCC entries not split off, or not CRLF.
    #[error("not ready to be hashed (TR 01201-3.4 §3.1.21): {0}")]
    NotReady(#[source] NotReadyReason),
    /// A hash-only integrity field was asked for an authoritative message:
    /// any `X-de-mail-authoritative` value other than exactly `no` must be
    /// signed (TR 01201-3.1 Schritt 30; the receiver fails it with FC-04,
    /// Schritt 48; docs/decisions.md D48).
    #[error(
        "refused: X-de-mail-authoritative is `{value}`, so the message must be signed, not only hashed (TR 01201-3.1 Schritt 30, Schritt 48 FC-04)"
    )]
    UnsignedAuthoritative {
        /// The field's value as written.
        value: String,
    },
}

/// The first `X-de-mail-authoritative` value that is not exactly `no`, or
/// `None` when every occurrence says `no` or there is none (D48: anything
/// but `no` counts as authoritative for FC-04).
pub(crate) fn authoritative_value(envelope: &Envelope<'_>) -> Option<String> {
    envelope
        .fields()
        .iter()
        .filter(|f| f.has_name(FieldName::Authoritative.as_str()))
        .map(RawField::unfolded_value)
        .find(|value| value != "no")
        .map(Cow::into_owned)
}
