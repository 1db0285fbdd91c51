//! The error cases (Fehlerfälle) of PVD FU Schritt 48 that a verification
//! failure falls under: FC-01 integrity violation, FC-02 certificate
//! invalid, FC-03 certificate status not checkable, FC-04 missing
//! signature. Shared by [`crate::integrity`] (which re-exports it) and
//! [`crate::status`], so that neither depends on the other for it
//! (docs/decisions.md D159).
//!
//! ```
//! use demail::error_case::ErrorCase;
//!
//! assert_eq!(ErrorCase::Fc02CertificateInvalid.code(), "FC-02");
//! assert_eq!(demail::integrity::ErrorCase::Fc03StatusUnchecked, ErrorCase::Fc03StatusUnchecked);
//! ```

/// The error case of PVD FU Schritt 48 a failure falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCase {
    /// FC-01: integrity violation.
    Fc01IntegrityViolation,
    /// FC-02: certificate invalid.
    Fc02CertificateInvalid,
    /// FC-03: certificate status could not be checked.
    Fc03StatusUnchecked,
    /// FC-04: no signature on a message with "absenderbestätigt".
    Fc04MissingSignature,
}

impl ErrorCase {
    /// The identifier of the JSON reports: `fc_01` ... `fc_04` (D184).
    pub const fn id(self) -> &'static str {
        match self {
            ErrorCase::Fc01IntegrityViolation => "fc_01",
            ErrorCase::Fc02CertificateInvalid => "fc_02",
            ErrorCase::Fc03StatusUnchecked => "fc_03",
            ErrorCase::Fc04MissingSignature => "fc_04",
        }
    }

    /// [`ErrorCase::id`] read back.
    pub fn from_id(id: &str) -> Option<ErrorCase> {
        [
            ErrorCase::Fc01IntegrityViolation,
            ErrorCase::Fc02CertificateInvalid,
            ErrorCase::Fc03StatusUnchecked,
            ErrorCase::Fc04MissingSignature,
        ]
        .into_iter()
        .find(|case| case.id() == id)
    }

    /// `FC-01` ... `FC-04`.
    pub const fn code(self) -> &'static str {
        match self {
            ErrorCase::Fc01IntegrityViolation => "FC-01",
            ErrorCase::Fc02CertificateInvalid => "FC-02",
            ErrorCase::Fc03StatusUnchecked => "FC-03",
            ErrorCase::Fc04MissingSignature => "FC-04",
        }
    }
}

#[cfg(feature = "serde")]
crate::serialize::text_serde!(ErrorCase, id, ErrorCase::from_id, "fc_01, fc_02, fc_03 or fc_04");
