//! The ETSI EN 319 102-1 vocabulary for what a [`CertificateStatus`] means
//! for a signature: main indication (§5.1.3: TOTAL-PASSED, TOTAL-FAILED,
//! INDETERMINATE) and sub-indication (§5.1.3 Table 5/6), beside the TR's
//! FC codes ([`CertificateStatus::error_case`]).
//!
//! ```
//! use demail::status::{CertificateStatus, Indication, SubIndication, TimeBasis};
//!
//! let indication = Indication::of(&CertificateStatus::NotChecked, TimeBasis::Now);
//! assert_eq!(indication, Indication::Indeterminate(SubIndication::TryLater));
//! assert_eq!(indication.as_str(), "INDETERMINATE");
//! assert_eq!(indication.sub_indication().map(SubIndication::as_str), Some("TRY_LATER"));
//! ```

use super::{CertificateStatus, EvidenceError};

/// What the verification time stands for (docs/decisions.md D134).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeBasis {
    /// The current time.
    Now,
    /// A time at which the signature is proven to have existed (a proof of
    /// existence, EN 319 102-1 §5.6.2.1: a time-stamp, or an archive's
    /// record of receipt).
    ProofOfExistence,
    /// A time before which the signature cannot have been made (a content
    /// time-stamp, EN 319 102-1 §5.3.4): proof that it was made after.
    SignedNotBefore,
    /// A time only claimed by the signer (the `Date` field): no proof.
    Claimed,
}

/// The main status indication of EN 319 102-1 §5.1.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Indication {
    /// TOTAL-PASSED.
    TotalPassed,
    /// TOTAL-FAILED with its sub-indication.
    TotalFailed(SubIndication),
    /// INDETERMINATE with its sub-indication.
    Indeterminate(SubIndication),
}

/// The sub-indications of EN 319 102-1 §5.1.3 that a certificate status
/// leads to; in JSON the name in snake_case (`revoked_no_poe`, D184).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub enum SubIndication {
    /// REVOKED: revoked before a time the signature is proven to have
    /// been made after.
    Revoked,
    /// REVOKED_NO_POE: revoked, and no proof that the signature existed
    /// before the revocation.
    RevokedNoPoe,
    /// OUT_OF_BOUNDS_NO_POE: the certificate is outside its validity
    /// period at the verification time.
    OutOfBoundsNoPoe,
    /// NO_CERTIFICATE_CHAIN_FOUND: the certificate does not chain to the
    /// given issuer.
    NoCertificateChainFound,
    /// TRY_LATER: no usable revocation information now; newer may come.
    TryLater,
    /// CERTIFICATE_CHAIN_GENERAL_FAILURE: the status service does not know
    /// the certificate.
    CertificateChainGeneralFailure,
    /// REVOKED_CA_NO_POE: a CA certificate of the chain is revoked, and no
    /// proof that the signature existed before (EN 319 102-1 §5.2.6, §5.6.2.4;
    /// D202).
    RevokedCaNoPoe,
}

impl Indication {
    /// The indication a certificate status gives (D134):
    ///
    /// | status | indication |
    /// |---|---|
    /// | good | TOTAL-PASSED |
    /// | revoked after the time, time is `Now` or a proof of existence | TOTAL-PASSED |
    /// | revoked after the time, otherwise | INDETERMINATE / REVOKED_NO_POE |
    /// | revoked at or before a time the signature was made after | TOTAL-FAILED / REVOKED |
    /// | revoked, otherwise | INDETERMINATE / REVOKED_NO_POE |
    /// | unknown | INDETERMINATE / CERTIFICATE_CHAIN_GENERAL_FAILURE |
    /// | unavailable: certificate outside its validity | INDETERMINATE / OUT_OF_BOUNDS_NO_POE |
    /// | unavailable: not issued by the issuer | INDETERMINATE / NO_CERTIFICATE_CHAIN_FOUND |
    /// | unavailable otherwise, not checked | INDETERMINATE / TRY_LATER |
    pub fn of(status: &CertificateStatus, basis: TimeBasis) -> Self {
        match status {
            CertificateStatus::Good { .. } => Indication::TotalPassed,
            CertificateStatus::RevokedAfter { .. } => match basis {
                TimeBasis::Now | TimeBasis::ProofOfExistence => Indication::TotalPassed,
                TimeBasis::SignedNotBefore | TimeBasis::Claimed => {
                    Indication::Indeterminate(SubIndication::RevokedNoPoe)
                }
            },
            CertificateStatus::Revoked { .. } => match basis {
                TimeBasis::SignedNotBefore => Indication::TotalFailed(SubIndication::Revoked),
                TimeBasis::Now | TimeBasis::ProofOfExistence | TimeBasis::Claimed => {
                    Indication::Indeterminate(SubIndication::RevokedNoPoe)
                }
            },
            CertificateStatus::Unknown { .. } => {
                Indication::Indeterminate(SubIndication::CertificateChainGeneralFailure)
            }
            CertificateStatus::Unavailable(unavailable) => {
                let any = |wanted: fn(&EvidenceError) -> bool| {
                    unavailable.rejected.iter().any(|r| wanted(&r.error))
                };
                if any(|e| matches!(e, EvidenceError::CertificateOutsideValidity(_))) {
                    Indication::Indeterminate(SubIndication::OutOfBoundsNoPoe)
                } else if any(|e| matches!(e, EvidenceError::NotIssuedBy(_))) {
                    Indication::Indeterminate(SubIndication::NoCertificateChainFound)
                } else {
                    Indication::Indeterminate(SubIndication::TryLater)
                }
            }
            CertificateStatus::NotChecked => Indication::Indeterminate(SubIndication::TryLater),
        }
    }

    /// The indication of `status` when it is that of a CA certificate of
    /// the signer's chain (D202): a revocation gives REVOKED_CA_NO_POE where
    /// [`Indication::of`] gives REVOKED_NO_POE; everything else as
    /// [`Indication::of`].
    pub fn of_ca(status: &CertificateStatus, basis: TimeBasis) -> Self {
        match Indication::of(status, basis) {
            Indication::Indeterminate(SubIndication::RevokedNoPoe) => {
                Indication::Indeterminate(SubIndication::RevokedCaNoPoe)
            }
            other => other,
        }
    }

    /// `TOTAL-PASSED`, `TOTAL-FAILED` or `INDETERMINATE`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Indication::TotalPassed => "TOTAL-PASSED",
            Indication::TotalFailed(_) => "TOTAL-FAILED",
            Indication::Indeterminate(_) => "INDETERMINATE",
        }
    }

    /// The sub-indication, absent for TOTAL-PASSED.
    pub const fn sub_indication(self) -> Option<SubIndication> {
        match self {
            Indication::TotalPassed => None,
            Indication::TotalFailed(sub) | Indication::Indeterminate(sub) => Some(sub),
        }
    }
}

/// `{"indication": "total_passed" | "total_failed" | "indeterminate",
/// "sub_indication": "try_later" | ... | null}`: EN 319 102-1's names in
/// snake_case (D184).
#[cfg(feature = "serde")]
impl serde::Serialize for Indication {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let indication = match self {
            Indication::TotalPassed => "total_passed",
            Indication::TotalFailed(_) => "total_failed",
            Indication::Indeterminate(_) => "indeterminate",
        };
        let mut out = serializer.serialize_struct("Indication", 2)?;
        out.serialize_field("indication", indication)?;
        out.serialize_field("sub_indication", &self.sub_indication())?;
        out.end()
    }
}

impl SubIndication {
    /// The name as EN 319 102-1 writes it (`REVOKED_NO_POE`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            SubIndication::Revoked => "REVOKED",
            SubIndication::RevokedNoPoe => "REVOKED_NO_POE",
            SubIndication::OutOfBoundsNoPoe => "OUT_OF_BOUNDS_NO_POE",
            SubIndication::NoCertificateChainFound => "NO_CERTIFICATE_CHAIN_FOUND",
            SubIndication::TryLater => "TRY_LATER",
            SubIndication::CertificateChainGeneralFailure => "CERTIFICATE_CHAIN_GENERAL_FAILURE",
            SubIndication::RevokedCaNoPoe => "REVOKED_CA_NO_POE",
        }
    }
}
