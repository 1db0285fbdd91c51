//! The build error confirmations and notifications share (D105).

use crate::fields::FieldName;
use crate::integrity::IntegrityError;
use crate::pdf::PdfError;
use crate::resend::ResendKind;
use crate::xmldsig::XmlDsigError;

use super::kind::ConfirmationKind;

/// Why a confirmation or notification could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The original lacks a field the confirmation needs.
    #[error("the original message has no {0} field, which the confirmation needs (TR 01201-3.4 §3.5.1)")]
    MissingField(FieldName),
    /// A retrieve confirmation needs the delivery time; the others must not have one.
    #[error(
        "DeliveryTime is required for a retrieve confirmation and only there (TR 01201-3.4 §3.5.1, Table 23)"
    )]
    DeliveryTime,
    /// The system address does not fit the confirmation kind.
    #[error("system address `{address}` is not `{expected}@<DMDA>` (PVD FU §4.3 Table 1)")]
    SystemAddress {
        /// The address given.
        address: String,
        /// The local part the kind requires.
        expected: &'static str,
    },
    /// Signing the XML (XML-DSig) failed.
    #[error("signing the Acknowledge-Message failed: {0}")]
    XmlSignature(#[from] XmlDsigError),
    /// Signing the message (integrity layer) failed.
    #[error(transparent)]
    Integrity(#[from] IntegrityError),
    /// The original is a forwarded or redirected copy for which the TR
    /// forbids this kind of confirmation (PVD FU Schritt 36, 67, Funktion 1;
    /// D56).
    #[error(
        "no {} confirmation for a {} copy: {} (PVD FU {})",
        .kind.as_str(),
        resend_word(*.resend),
        .reason,
        .rule
    )]
    SentOnCopy {
        /// The kind asked for.
        kind: ConfirmationKind,
        /// Forwarded (a `Resent-From`, "Weiterleitungs-Absender") or
        /// redirected (other `Resent-*` fields, or actual recipients that
        /// differ from the chosen ones).
        resend: ResendKind,
        /// What in the original shows it.
        reason: &'static str,
        /// The step of PVD FU that forbids it: `Schritt 36`, `Schritt 67`
        /// or `Funktion 1`.
        rule: &'static str,
    },
    /// A notification would go to a system address, or is about a message
    /// from one (PVD FU Schritt 45: such an original is deleted, no
    /// notification is sent; D57).
    #[error(
        "no notification to or about the system address `{address}`: the original is deleted instead (PVD FU Schritt 45)"
    )]
    SystemAddressee {
        /// The system address found.
        address: String,
    },
    /// Writing the PDF/A-3b presentation failed (§3.4.1).
    #[error("writing the PDF presentation failed (TR 01201-3.4 §3.4.1): {0}")]
    Pdf(#[from] PdfError),
}

const fn resend_word(resend: ResendKind) -> &'static str {
    match resend {
        ResendKind::Forward => "forwarded",
        ResendKind::Redirect => "redirected",
    }
}
