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
