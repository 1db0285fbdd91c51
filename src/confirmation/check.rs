//! Checking a received confirmation against the original message
//! (TR 01201-3.4 §3.4.1, §3.5.1, §3.5.3, §3.1.17, §3.1.21).

use std::fmt;

use mail_parser::MessageParser;

use crate::address::{DeMailAddress, RecipientList};
use crate::envelope::Envelope;
use crate::fields::FieldName;
use crate::header::HeaderError;
use crate::integrity::{Failure, IntegrityMode, Verdict, VerificationReport};
use crate::provider::{BuildError, body_parts};
use crate::provider_directory::SignerBinding;
use crate::resend::ResendKind;
use crate::trust::VerifyOptions;
use crate::validate::Violation;
use crate::xml::{XmlError, as_written};
use crate::xmldsig::{XmlDsigError, XmlSignatureFailure, XmlSignatureReport};

use super::ConfirmationKind;
use super::build::{check_confirmable, original_header};
use super::message::AcknowledgeMessage;

/// Why the check could not run at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The confirmation is not a mail.
    #[error("the confirmation cannot be read: {0}")]
    Confirmation(HeaderError),
    /// The original is not a mail.
    #[error("the original message cannot be read: {0}")]
    Original(HeaderError),
}

/// One way in which a confirmation does not fit its original or the TR.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Mismatch {
    /// `X-de-mail-message-type` is not a confirmation type (§3.1.12, Table 12).
    #[error("X-de-mail-message-type `{found}` is not a confirmation type (TR 01201-3.4 §3.1.12)")]
    NotAConfirmation {
        /// The type found (empty when absent).
        found: String,
    },
    /// The body is not `multipart/mixed` (§3.4.1).
    #[error("the body is `{found}`, not multipart/mixed (TR 01201-3.4 §3.4.1)")]
    NotMultipartMixed {
        /// The content type found.
        found: String,
    },
    /// No XML part with an `Acknowledge-Message` (§3.5.1).
    #[error("no XML part with an Acknowledge-Message (TR 01201-3.4 §3.5.1)")]
    XmlMissing,
    /// The XML part does not parse.
    #[error("the Acknowledge-Message is invalid: {0}")]
    XmlInvalid(XmlError),
    /// No PDF part (§3.4.1).
    #[error("no application/pdf part (TR 01201-3.4 §3.4.1)")]
    PdfMissing,
    /// The kind in the header and the kind the XML states (its subject
    /// prefix) differ.
    #[error("the header says {header:?} but the XML subject says {xml:?} (TR 01201-3.4 §3.5.1)")]
    KindMismatch {
        /// The kind of `X-de-mail-message-type`.
        header: ConfirmationKind,
        /// The kind of the XML `Subject` prefix, `None` when it has none.
        xml: Option<ConfirmationKind>,
    },
    /// The `Subject` header is not `*<label>* <original subject>` (§3.5.1).
    #[error("Subject is `{found}`, expected `{expected}` (TR 01201-3.4 §3.5.1)")]
    HeaderSubject {
        /// The subject required.
        expected: String,
        /// The subject found.
        found: String,
    },
    /// The XML `Subject` does not name the kind and the original subject (Table 23).
    #[error("XML Subject is `{found}`, expected `{expected}` (TR 01201-3.4 §3.5.1, Table 23)")]
    XmlSubject {
        /// The subject required.
        expected: String,
        /// The subject found.
        found: String,
    },
    /// `Hash` is not the original's complete `X-de-mail-integrity` value (Table 23).
    #[error("Hash does not equal the original's X-de-mail-integrity value (TR 01201-3.4 §3.5.1, Table 23)")]
    Hash {
        /// The original's integrity value (unfolded).
        expected: String,
        /// The XML `Hash`.
        found: String,
    },
    /// The original has no `X-de-mail-integrity`, so `Hash` cannot be its
    /// value (Table 23); such an original cannot be confirmed.
    #[error(
        "the original has no X-de-mail-integrity field for Hash to repeat (TR 01201-3.4 §3.5.1, Table 23)"
    )]
    OriginalIntegrityMissing,
    /// A Table 1 field of the original is missing from `Metadata` (Table 24, D39).
    #[error("Metadata lacks the original's {name} field (TR 01201-3.4 §3.5.1, Table 24)")]
    MetadataMissing {
        /// The field name.
        name: String,
    },
    /// `Metadata` names a field the original does not have (or no Table 1 field).
    #[error("Metadata names {name}, which the original does not carry (TR 01201-3.4 §3.5.1, Table 24)")]
    MetadataUnexpected {
        /// The field name.
        name: String,
    },
    /// A `Value` differs from the original's field value (Table 24).
    #[error("Metadata value of {name} is `{found}`, the original has `{expected}` (TR 01201-3.4 Table 24)")]
    MetadataValue {
        /// The field name.
        name: String,
        /// The original's value.
        expected: String,
        /// The XML value.
        found: String,
    },
    /// An `OriginalHeader` differs from the original's header line (Table 24).
    #[error("OriginalHeader of {name} is not the original's header line as received (TR 01201-3.4 Table 24)")]
    OriginalHeader {
        /// The field name.
        name: String,
    },
    /// `X-de-mail-private-id` was not carried over (§3.1.17).
    #[error("X-de-mail-private-id is {found:?}, the original has {expected:?} (TR 01201-3.4 §3.1.17)")]
    PrivateId {
        /// The original's private id.
        expected: Option<String>,
        /// The confirmation's.
        found: Option<String>,
    },
    /// A retrieve confirmation without `DeliveryTime` (Table 23).
    #[error("a retrieve confirmation needs DeliveryTime (TR 01201-3.4 §3.5.1, Table 23)")]
    DeliveryTimeMissing,
    /// `DeliveryTime` in a confirmation that is not a retrieve confirmation (Table 23).
    #[error("DeliveryTime is only for retrieve confirmations (TR 01201-3.4 §3.5.1, Table 23)")]
    DeliveryTimeUnexpected,
    /// The sender is not the system address for the kind (§3.5.1, PVD FU §4.3).
    #[error(
        "sender `{found}` is not the system address `{expected}@<DMDA>` (TR 01201-3.4 §3.5.1; PVD FU §4.3)"
    )]
    SystemSender {
        /// The required local part.
        expected: &'static str,
        /// The `X-de-mail-sender` found.
        found: String,
    },
    /// The XML `Sender` is not the message's `X-de-mail-sender`.
    #[error("XML Sender `{xml}` differs from X-de-mail-sender `{header}` (TR 01201-3.4 Table 23)")]
    XmlSender {
        /// The header's sender.
        header: String,
        /// The XML's sender.
        xml: String,
    },
    /// The confirmation's integrity signature does not verify, is untrusted
    /// or hash-only (§3.5.1: confirmations are signed; §3.1.21).
    #[error("integrity signature of the confirmation: {0} (TR 01201-3.4 §3.5.1, §3.1.21)")]
    IntegritySignature(IntegrityProblem),
    /// The original's own integrity does not hold: its body hash, header
    /// hash or signature does not verify, or its signer is not trusted, by
    /// the same rules and trust options as [`crate::integrity::verify`]
    /// (§3.1.21; PVD FU Schritt 48). A confirmation proves only what was
    /// sent, so it cannot vouch for a message changed since (D53).
    #[error("the original message does not verify: {0} (TR 01201-3.4 §3.1.21; PVD FU Schritt 48)")]
    OriginalIntegrity(IntegrityProblem),
    /// The XML signature and the integrity signature were made by
    /// certificates of different subjects or issuers: nothing ties the
    /// `Acknowledge-Message` to the message that carries it (§3.5.1; D54).
    #[error(
        "the XML signature is by `{xml_subject}` (issuer `{xml_issuer}`), the integrity signature by `{integrity_subject}` (issuer `{integrity_issuer}`); both must be the same provider certificate (TR 01201-3.4 §3.5.1)"
    )]
    SignerMismatch {
        /// Subject of the integrity signature's certificate.
        integrity_subject: String,
        /// Issuer of the integrity signature's certificate.
        integrity_issuer: String,
        /// Subject of the XML signature's certificate.
        xml_subject: String,
        /// Issuer of the XML signature's certificate.
        xml_issuer: String,
    },
    /// With a provider directory: the certificate of the XML signature is
    /// not listed for the domain of the confirmation's system address
    /// (§3.1.14, PVD FU §4.3; D52, D54). Both signatures are bound, not
    /// only the integrity signature.
    #[error(
        "the XML signature's certificate `{subject}` is not listed in the provider directory for `{domain}` (TR 01201-3.4 §3.1.14, §3.5.1)"
    )]
    XmlSignerNotListed {
        /// The domain of the confirmation's `X-de-mail-sender`.
        domain: String,
        /// Subject of the XML signature's certificate (for display).
        subject: String,
    },
    /// With a provider directory: the confirmation's signer is not listed
    /// for any domain whose provider makes this kind of confirmation: the
    /// original's sender domain for a dispatch confirmation, a chosen
    /// recipient's (or the redirect target's) for receipt and retrieve,
    /// either for malware (TR 01201-3.4 §3.1.14; PVD FU Schritt 36, 56, 67,
    /// Funktion 1; D93). `domains` is empty when the original names none.
    #[error(
        "the confirmation is signed by `{subject}`, which is not listed in the provider directory for any of {domains:?}, whose provider makes a {kind:?} confirmation (TR 01201-3.4 §3.1.14; PVD FU Schritt 36, 56, 67; D93)"
    )]
    ProviderNotResponsible {
        /// The kind of confirmation.
        kind: ConfirmationKind,
        /// The domains whose providers may make it.
        domains: Vec<String>,
        /// Subject of the confirmation's signer (for display).
        subject: String,
    },
    /// The confirmed `X-de-mail-actual-recipient` or `Envelope-to` names a
    /// mailbox that is neither a chosen recipient of the original nor the
    /// target (`Resent-To`) of a redirection (§3.1.15, §3.1.22, §3.3; D55).
    #[error(
        "the confirmed `{name}` names `{address}`, which is neither an X-de-mail-chosen-recipient of the original nor a Resent-To target (TR 01201-3.4 §3.1.15, §3.1.22, §3.3; D55)"
    )]
    RecipientNotChosen {
        /// The Metadate's name.
        name: String,
        /// The address (or the whole value when it does not parse).
        address: String,
    },
    /// The confirmation was made from a copy that may not be confirmed with
    /// this kind: a dispatch confirmation for a forwarded or redirected
    /// message, a receipt or retrieve confirmation from a forwarded copy
    /// (PVD FU Schritt 36, 67, Funktion 1; D56), judged from the original
    /// given and the confirmed `Metadata`.
    #[error("the confirmed copy may not be confirmed: {0}")]
    NotConfirmable(BuildError),
    /// The `Acknowledge-Message` has no `ds:Signature` (§3.5.3).
    #[error("the Acknowledge-Message has no ds:Signature (TR 01201-3.4 §3.5.1, §3.5.3)")]
    XmlSignatureMissing,
    /// The XML signature does not verify or is not trusted.
    #[error("XML signature of the Acknowledge-Message: {0} (TR 01201-3.4 §3.5.1)")]
    XmlSignature(XmlSignatureProblem),
    /// The confirmation's header breaks Table 1 or another header rule.
    #[error("header: {0}")]
    Header(Violation),
}

/// Why an integrity field (of the confirmation or of the original) does
/// not hold (§3.1.21; PVD FU Schritt 48).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IntegrityProblem {
    /// Hash-only where a signature is required (§3.5.1: confirmations are
    /// signed).
    #[error("hash-only; a confirmation must be signed")]
    HashOnly,
    /// The signature is valid but its certificate does not chain to a
    /// trust anchor (or no trust anchor was given).
    #[error("the signature is valid but the signer is not trusted")]
    Untrusted,
    /// Verification failed; the [`Failure`] names the FU error case.
    #[error("{case}: {0}", case = .0.case().code())]
    Failed(Failure),
}

/// Why the XML signature of the `Acknowledge-Message` does not hold (§3.5.1, §3.5.3).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XmlSignatureProblem {
    /// The verifier refused the signature before checking it (unsupported
    /// algorithm, malformed `ds:Signature`, wrapping).
    #[error(transparent)]
    Refused(XmlDsigError),
    /// The signature was checked and failed (digest, value, certificate, trust).
    #[error(transparent)]
    Failed(XmlSignatureFailure),
}

/// The stable code of a [`Mismatch`], for reports and queries
/// ([`ConfirmationReport::has`]). [`MismatchCode::as_str`] is the
/// snake_case name the CLI prints; [`MismatchCode::rule`] says in words
/// what the failing rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MismatchCode {
    /// See [`Mismatch::NotAConfirmation`].
    NotAConfirmation,
    /// See [`Mismatch::NotMultipartMixed`].
    NotMultipartMixed,
    /// See [`Mismatch::XmlMissing`].
    XmlMissing,
    /// See [`Mismatch::XmlInvalid`].
    XmlInvalid,
    /// See [`Mismatch::PdfMissing`].
    PdfMissing,
    /// See [`Mismatch::KindMismatch`].
    KindMismatch,
    /// See [`Mismatch::HeaderSubject`].
    HeaderSubject,
    /// See [`Mismatch::XmlSubject`].
    XmlSubject,
    /// See [`Mismatch::Hash`].
    Hash,
    /// See [`Mismatch::OriginalIntegrityMissing`].
    OriginalIntegrityMissing,
    /// See [`Mismatch::MetadataMissing`].
    MetadataMissing,
    /// See [`Mismatch::MetadataUnexpected`].
    MetadataUnexpected,
    /// See [`Mismatch::MetadataValue`].
    MetadataValue,
    /// See [`Mismatch::OriginalHeader`].
    OriginalHeader,
    /// See [`Mismatch::PrivateId`].
    PrivateId,
    /// See [`Mismatch::DeliveryTimeMissing`].
    DeliveryTimeMissing,
    /// See [`Mismatch::DeliveryTimeUnexpected`].
    DeliveryTimeUnexpected,
    /// See [`Mismatch::SystemSender`].
    SystemSender,
    /// See [`Mismatch::XmlSender`].
    XmlSender,
    /// See [`Mismatch::IntegritySignature`].
    IntegritySignature,
    /// See [`Mismatch::OriginalIntegrity`].
    OriginalIntegrity,
    /// See [`Mismatch::SignerMismatch`].
    SignerMismatch,
    /// See [`Mismatch::XmlSignerNotListed`].
    XmlSignerNotListed,
    /// See [`Mismatch::ProviderNotResponsible`].
    ProviderNotResponsible,
    /// See [`Mismatch::RecipientNotChosen`].
    RecipientNotChosen,
    /// See [`Mismatch::NotConfirmable`].
    NotConfirmable,
    /// See [`Mismatch::XmlSignatureMissing`].
    XmlSignatureMissing,
    /// See [`Mismatch::XmlSignature`].
    XmlSignature,
    /// See [`Mismatch::Header`].
    Header,
}

impl MismatchCode {
    /// Every code, in the order the check looks for them.
    pub const ALL: [MismatchCode; 29] = [
        MismatchCode::NotAConfirmation,
        MismatchCode::NotMultipartMixed,
        MismatchCode::XmlMissing,
        MismatchCode::XmlInvalid,
        MismatchCode::PdfMissing,
        MismatchCode::KindMismatch,
        MismatchCode::HeaderSubject,
        MismatchCode::XmlSubject,
        MismatchCode::Hash,
        MismatchCode::OriginalIntegrityMissing,
        MismatchCode::MetadataMissing,
        MismatchCode::MetadataUnexpected,
        MismatchCode::MetadataValue,
        MismatchCode::OriginalHeader,
        MismatchCode::PrivateId,
        MismatchCode::DeliveryTimeMissing,
        MismatchCode::DeliveryTimeUnexpected,
        MismatchCode::SystemSender,
        MismatchCode::XmlSender,
        MismatchCode::IntegritySignature,
        MismatchCode::OriginalIntegrity,
        MismatchCode::SignerMismatch,
        MismatchCode::XmlSignerNotListed,
        MismatchCode::ProviderNotResponsible,
        MismatchCode::RecipientNotChosen,
        MismatchCode::NotConfirmable,
        MismatchCode::XmlSignatureMissing,
        MismatchCode::XmlSignature,
        MismatchCode::Header,
    ];

    /// The stable snake_case name, e.g. `original_integrity`.
    pub const fn as_str(self) -> &'static str {
        match self {
            MismatchCode::NotAConfirmation => "not_a_confirmation",
            MismatchCode::NotMultipartMixed => "not_multipart_mixed",
            MismatchCode::XmlMissing => "xml_missing",
            MismatchCode::XmlInvalid => "xml_invalid",
            MismatchCode::PdfMissing => "pdf_missing",
            MismatchCode::KindMismatch => "kind_mismatch",
            MismatchCode::HeaderSubject => "header_subject",
            MismatchCode::XmlSubject => "xml_subject",
            MismatchCode::Hash => "hash",
            MismatchCode::OriginalIntegrityMissing => "original_integrity_missing",
            MismatchCode::MetadataMissing => "metadata_missing",
            MismatchCode::MetadataUnexpected => "metadata_unexpected",
            MismatchCode::MetadataValue => "metadata_value",
            MismatchCode::OriginalHeader => "original_header",
            MismatchCode::PrivateId => "private_id",
            MismatchCode::DeliveryTimeMissing => "delivery_time_missing",
            MismatchCode::DeliveryTimeUnexpected => "delivery_time_unexpected",
            MismatchCode::SystemSender => "system_sender",
            MismatchCode::XmlSender => "xml_sender",
            MismatchCode::IntegritySignature => "integrity_signature",
            MismatchCode::OriginalIntegrity => "original_integrity",
            MismatchCode::SignerMismatch => "signer_mismatch",
            MismatchCode::XmlSignerNotListed => "xml_signer_not_listed",
            MismatchCode::ProviderNotResponsible => "provider_not_responsible",
            MismatchCode::RecipientNotChosen => "recipient_not_chosen",
            MismatchCode::NotConfirmable => "not_confirmable",
            MismatchCode::XmlSignatureMissing => "xml_signature_missing",
            MismatchCode::XmlSignature => "xml_signature",
            MismatchCode::Header => "header",
        }
    }

    /// The rule that failed, in words a gateway operator understands.
    pub const fn rule(self) -> &'static str {
        match self {
            MismatchCode::NotAConfirmation => "the message is not a confirmation",
            MismatchCode::NotMultipartMixed => "the confirmation body is not multipart/mixed",
            MismatchCode::XmlMissing => "the confirmation has no Acknowledge-Message XML",
            MismatchCode::XmlInvalid => "the Acknowledge-Message XML is invalid",
            MismatchCode::PdfMissing => "the confirmation has no PDF",
            MismatchCode::KindMismatch => "header and XML name different kinds of confirmation",
            MismatchCode::HeaderSubject => "the Subject does not name the kind and the original subject",
            MismatchCode::XmlSubject => "the XML Subject does not name the kind and the original subject",
            MismatchCode::Hash => "the confirmation is for a message with another checksum (Hash)",
            MismatchCode::OriginalIntegrityMissing => {
                "the original has no checksum (X-de-mail-integrity) to confirm"
            }
            MismatchCode::MetadataMissing => "a field of the original is missing from the confirmed metadata",
            MismatchCode::MetadataUnexpected => "the confirmed metadata names a field the original lacks",
            MismatchCode::MetadataValue => "a confirmed field value differs from the original",
            MismatchCode::OriginalHeader => "a confirmed header line differs from the original",
            MismatchCode::PrivateId => "the private id of the original was not carried over",
            MismatchCode::DeliveryTimeMissing => "a retrieve confirmation lacks the delivery time",
            MismatchCode::DeliveryTimeUnexpected => "only a retrieve confirmation may state a delivery time",
            MismatchCode::SystemSender => "the confirmation is not sent from the system address for its kind",
            MismatchCode::XmlSender => "the XML Sender differs from the message sender",
            MismatchCode::IntegritySignature => {
                "the confirmation itself is not validly signed by a trusted provider"
            }
            MismatchCode::OriginalIntegrity => {
                "the original message was changed after it was sent or its signature does not hold"
            }
            MismatchCode::SignerMismatch => "the XML and the message are signed by different certificates",
            MismatchCode::XmlSignerNotListed => {
                "the XML signer is not listed in the provider directory for the confirmation's domain"
            }
            MismatchCode::ProviderNotResponsible => {
                "the confirmation's signer is not listed for the provider that makes this kind of confirmation"
            }
            MismatchCode::RecipientNotChosen => {
                "a confirmed actual recipient or Envelope-to is not a chosen recipient of the original"
            }
            MismatchCode::NotConfirmable => {
                "this kind of confirmation may not be made for the confirmed copy"
            }
            MismatchCode::XmlSignatureMissing => "the Acknowledge-Message XML is not signed",
            MismatchCode::XmlSignature => "the XML signature of the confirmation does not hold",
            MismatchCode::Header => "the confirmation header breaks a rule of the TR",
        }
    }
}

crate::display::display_as!(MismatchCode, as_str);

/// `{"code", "error_case": null, "message", "offset": null}` (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for Mismatch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::serialize::problem(serializer, self.code().as_str(), None, self, None)
    }
}

impl Mismatch {
    /// The stable code of this mismatch.
    pub const fn code(&self) -> MismatchCode {
        match self {
            Mismatch::NotAConfirmation { .. } => MismatchCode::NotAConfirmation,
            Mismatch::NotMultipartMixed { .. } => MismatchCode::NotMultipartMixed,
            Mismatch::XmlMissing => MismatchCode::XmlMissing,
            Mismatch::XmlInvalid(_) => MismatchCode::XmlInvalid,
            Mismatch::PdfMissing => MismatchCode::PdfMissing,
            Mismatch::KindMismatch { .. } => MismatchCode::KindMismatch,
            Mismatch::HeaderSubject { .. } => MismatchCode::HeaderSubject,
            Mismatch::XmlSubject { .. } => MismatchCode::XmlSubject,
            Mismatch::Hash { .. } => MismatchCode::Hash,
            Mismatch::OriginalIntegrityMissing => MismatchCode::OriginalIntegrityMissing,
            Mismatch::MetadataMissing { .. } => MismatchCode::MetadataMissing,
            Mismatch::MetadataUnexpected { .. } => MismatchCode::MetadataUnexpected,
            Mismatch::MetadataValue { .. } => MismatchCode::MetadataValue,
            Mismatch::OriginalHeader { .. } => MismatchCode::OriginalHeader,
            Mismatch::PrivateId { .. } => MismatchCode::PrivateId,
            Mismatch::DeliveryTimeMissing => MismatchCode::DeliveryTimeMissing,
            Mismatch::DeliveryTimeUnexpected => MismatchCode::DeliveryTimeUnexpected,
            Mismatch::SystemSender { .. } => MismatchCode::SystemSender,
            Mismatch::XmlSender { .. } => MismatchCode::XmlSender,
            Mismatch::IntegritySignature(_) => MismatchCode::IntegritySignature,
            Mismatch::OriginalIntegrity(_) => MismatchCode::OriginalIntegrity,
            Mismatch::SignerMismatch { .. } => MismatchCode::SignerMismatch,
            Mismatch::XmlSignerNotListed { .. } => MismatchCode::XmlSignerNotListed,
            Mismatch::ProviderNotResponsible { .. } => MismatchCode::ProviderNotResponsible,
            Mismatch::RecipientNotChosen { .. } => MismatchCode::RecipientNotChosen,
            Mismatch::NotConfirmable(_) => MismatchCode::NotConfirmable,
            Mismatch::XmlSignatureMissing => MismatchCode::XmlSignatureMissing,
            Mismatch::XmlSignature(_) => MismatchCode::XmlSignature,
            Mismatch::Header(_) => MismatchCode::Header,
        }
    }
}

/// What checking a confirmation found.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct ConfirmationReport {
    /// The kind by `X-de-mail-message-type`, `None` when it is no confirmation type.
    pub kind: Option<ConfirmationKind>,
    /// The parsed `Acknowledge-Message`, when there is one that parses.
    pub message: Option<AcknowledgeMessage>,
    /// The verification of the confirmation's own integrity field.
    pub integrity: VerificationReport,
    /// The verification of the original's integrity field, with the same
    /// options (D53).
    pub original_integrity: VerificationReport,
    /// The verification of the `Acknowledge-Message`'s XML signature;
    /// `None` when it could not be checked (no XML, no `ds:Signature`, or
    /// a signature the verifier refuses; the mismatches say why).
    pub xml_signature: Option<XmlSignatureReport>,
    /// Whether the confirmation's signer was checked against the provider
    /// directory for the provider that must have made it (D93):
    /// `NotChecked` without a directory or without a signer; `Listed` with
    /// the responsible domain it is listed for; `NotListed` with the first
    /// responsible domain ([`Mismatch::ProviderNotResponsible`] lists all);
    /// `NoSenderDomain` when the original names no responsible domain.
    pub provider_binding: SignerBinding,
    /// Every mismatch found, in the order checked.
    pub mismatches: Vec<Mismatch>,
}

impl ConfirmationReport {
    /// Whether nothing is wrong.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// Whether a mismatch with this code was found.
    pub fn has(&self, code: MismatchCode) -> bool {
        self.mismatches.iter().any(|m| m.code() == code)
    }
}

impl fmt::Display for ConfirmationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.passed() {
            return f.write_str("confirmation fits its original");
        }
        for mismatch in &self.mismatches {
            let code = mismatch.code();
            writeln!(f, "{code} ({}): {mismatch}", code.rule())?;
        }
        Ok(())
    }
}

/// Checks a received confirmation against the original message: the
/// original's own integrity (body hash, header hash, signature: the same
/// [`crate::integrity::verify`] with the same `options`, D53), kind in header
/// and XML, subject prefix, `Hash`, `Metadata`, private id, `DeliveryTime`,
/// system sender, the confirmation's integrity signature (signed mode,
/// trusted by `options.trust_anchors`), the XML signature, and that both
/// signatures are by the same certificate subject and issuer (D54).
/// Every mismatch is listed.
///
/// The original may be the sender's or the recipient's copy: the transport
/// fields that legitimately differ between copies (`Envelope-to`,
/// `Resent-*`, `X-de-mail-actual-recipient`) are not compared; every other
/// field is (D55).
///
/// # Errors
/// [`CheckError`] only when either message is not a mail at all.
pub fn check_confirmation(
    confirmation: &[u8],
    original: &[u8],
    options: &VerifyOptions<'_>,
) -> Result<ConfirmationReport, CheckError> {
    let envelope = Envelope::parse(confirmation).map_err(CheckError::Confirmation)?;
    let original = Envelope::parse(original).map_err(CheckError::Original)?;
    let integrity = crate::integrity::verify(&envelope, options);
    let original_integrity = crate::integrity::verify(&original, options);
    let mut checker = Checker {
        envelope: &envelope,
        original: &original,
        mismatches: Vec::new(),
        xml_signature: None,
    };
    checker.original_integrity(&original_integrity);
    let kind = checker.kind();
    checker.headers(kind);
    checker.integrity(&integrity);
    let message = checker.body(options);
    if let (Some(kind), Some(message)) = (kind, &message) {
        checker.xml(kind, message);
    }
    checker.same_signer(&integrity);
    checker.xml_signer_listed(options);
    let provider_binding = match kind {
        Some(kind) => {
            checker.confirmable(kind, message.as_ref());
            checker.recipients_chosen(message.as_ref());
            checker.responsible_provider(kind, message.as_ref(), &integrity, options)
        }
        None => SignerBinding::NotChecked,
    };
    Ok(ConfirmationReport {
        kind,
        message,
        integrity,
        original_integrity,
        xml_signature: checker.xml_signature,
        provider_binding,
        mismatches: checker.mismatches,
    })
}

struct Checker<'e, 'a> {
    envelope: &'e Envelope<'a>,
    original: &'e Envelope<'a>,
    mismatches: Vec<Mismatch>,
    xml_signature: Option<XmlSignatureReport>,
}

impl Checker<'_, '_> {
    fn push(&mut self, mismatch: Mismatch) {
        self.mismatches.push(mismatch);
    }

    fn kind(&mut self) -> Option<ConfirmationKind> {
        let message_type = self.envelope.metadata().message_type;
        let kind = message_type.and_then(ConfirmationKind::from_message_type);
        if kind.is_none() {
            self.push(Mismatch::NotAConfirmation {
                found: message_type.map(|t| t.as_str().to_owned()).unwrap_or_default(),
            });
        }
        kind
    }

    fn headers(&mut self, kind: Option<ConfirmationKind>) {
        for violation in self.envelope.validate().violations() {
            self.push(Mismatch::Header(violation.clone()));
        }
        let metadata = self.envelope.metadata();
        let original = self.original.metadata();
        if let Some(kind) = kind {
            let expected = kind.subject(original.subject.as_deref().unwrap_or(""));
            let found = metadata.subject.as_deref().unwrap_or("");
            if found != expected {
                self.push(Mismatch::HeaderSubject {
                    expected,
                    found: found.to_owned(),
                });
            }
            let sender = metadata.sender.as_ref();
            if sender.is_none_or(|s| s.local_part != kind.system_local_part()) {
                self.push(Mismatch::SystemSender {
                    expected: kind.system_local_part(),
                    found: sender.map(|s| s.addr_spec()).unwrap_or_default(),
                });
            }
        }
        let expected = original.private_id.as_deref();
        let found = metadata.private_id.as_deref();
        if expected != found {
            self.push(Mismatch::PrivateId {
                expected: expected.map(str::to_owned),
                found: found.map(str::to_owned),
            });
        }
    }

    fn integrity(&mut self, report: &VerificationReport) {
        let problem = match (&report.verdict, report.mode) {
            (Verdict::Pass, Some(IntegrityMode::Signed)) => None,
            (Verdict::Pass, _) => Some(IntegrityProblem::HashOnly),
            (Verdict::SignatureValidUntrusted, _) => Some(IntegrityProblem::Untrusted),
            (Verdict::Fail(failure), _) => Some(IntegrityProblem::Failed(failure.clone())),
        };
        if let Some(problem) = problem {
            self.push(Mismatch::IntegritySignature(problem));
        }
    }

    /// The original must verify as [`crate::integrity::verify`] would deliver
    /// it (D53). Hash-only is acceptable where `verify` accepts it; a
    /// missing integrity field is [`Mismatch::OriginalIntegrityMissing`].
    fn original_integrity(&mut self, report: &VerificationReport) {
        let problem = match &report.verdict {
            Verdict::Pass | Verdict::Fail(Failure::MissingIntegrity) => return,
            Verdict::SignatureValidUntrusted => IntegrityProblem::Untrusted,
            Verdict::Fail(failure) => IntegrityProblem::Failed(failure.clone()),
        };
        self.push(Mismatch::OriginalIntegrity(problem));
    }

    /// The XML signature and the integrity signature must come from
    /// certificates with the same subject and issuer, compared on their DER
    /// encodings, never on the display strings (D54). Checked only when
    /// both certificates are known; a missing signature is reported on its
    /// own.
    fn same_signer(&mut self, integrity: &VerificationReport) {
        let (Some(integrity), Some(xml)) = (
            integrity.certificate.as_ref(),
            self.xml_signature.as_ref().map(|r| &r.certificate),
        ) else {
            return;
        };
        if !integrity.same_issuer_and_subject(xml) {
            self.push(Mismatch::SignerMismatch {
                integrity_subject: integrity.subject.clone(),
                integrity_issuer: integrity.issuer.clone(),
                xml_subject: xml.subject.clone(),
                xml_issuer: xml.issuer.clone(),
            });
        }
    }

    /// With a provider directory, the XML signature's certificate must be
    /// listed for the domain of the confirmation's system address, as
    /// [`crate::integrity::verify`] requires of the integrity signature (D52,
    /// D54). A confirmation without a sender domain is already refused by
    /// the integrity check (`SignerBinding::NoSenderDomain`).
    fn xml_signer_listed(&mut self, options: &VerifyOptions<'_>) {
        let (Some(directory), Some(report)) = (options.provider_directory, self.xml_signature.as_ref())
        else {
            return;
        };
        let Some(domain) = crate::integrity::sender_domain(self.envelope) else {
            return;
        };
        if !directory.allows(&domain, &report.certificate) {
            let subject = report.certificate.subject.clone();
            self.push(Mismatch::XmlSignerNotListed { domain, subject });
        }
    }

    /// PVD FU Schritt 36, 67, Funktion 1 (D56): the copy confirmed, as the
    /// original given and the confirmed `Metadata` show it, must be one this
    /// kind may be made for; the builder's rule, applied on receipt.
    fn confirmable(&mut self, kind: ConfirmationKind, message: Option<&AcknowledgeMessage>) {
        if let Err(error) = check_confirmable(self.original, kind) {
            self.push(Mismatch::NotConfirmable(error));
            return;
        }
        let named = |field: FieldName| {
            message.is_some_and(|m| {
                m.metadata
                    .iter()
                    .any(|d| FieldName::lookup(d.name.trim()) == Some(field))
            })
        };
        let refused = match kind {
            ConfirmationKind::Receipt | ConfirmationKind::Retrieve if named(FieldName::ResentFrom) => Some((
                ResendKind::Forward,
                "the confirmed Metadata carries Resent-From (Weiterleitungs-Absender)",
                if kind == ConfirmationKind::Receipt {
                    "Schritt 67"
                } else {
                    "Funktion 1"
                },
            )),
            ConfirmationKind::Dispatch if named(FieldName::ResentFrom) || named(FieldName::ResentTo) => {
                Some((
                    if named(FieldName::ResentFrom) {
                        ResendKind::Forward
                    } else {
                        ResendKind::Redirect
                    },
                    "the confirmed Metadata carries a resent block (Resent-*)",
                    "Schritt 36",
                ))
            }
            _ => None,
        };
        if let Some((resend, reason, rule)) = refused {
            self.push(Mismatch::NotConfirmable(BuildError::SentOnCopy {
                kind,
                resend,
                reason,
                rule,
            }));
        }
    }

    /// The redirect targets: `Resent-To` of the original given and of the
    /// confirmed `Metadata` (a redirection by the recipient's provider is
    /// visible only in the recipient's copy, §3.3; D94).
    fn redirect_targets(&self, message: Option<&AcknowledgeMessage>) -> Vec<DeMailAddress<'static>> {
        let mut values: Vec<String> = self
            .original
            .fields()
            .iter()
            .filter(|f| f.has_name(FieldName::ResentTo.as_str()))
            .map(|f| f.unfolded_value().into_owned())
            .collect();
        if let Some(message) = message {
            values.extend(
                message
                    .metadata
                    .iter()
                    .filter(|d| FieldName::lookup(d.name.trim()) == Some(FieldName::ResentTo))
                    .map(|d| unfold(&d.value)),
            );
        }
        values
            .iter()
            .filter_map(|v| mailboxes(v).ok())
            .flatten()
            .collect()
    }

    /// The chosen recipients of the original (§3.1.8).
    fn chosen_recipients(&self) -> Vec<DeMailAddress<'static>> {
        self.original
            .metadata()
            .chosen_recipient
            .as_ref()
            .map(|list| list.iter().map(|a| a.clone().into_owned()).collect())
            .unwrap_or_default()
    }

    /// D55 narrowed (review of issue 11, finding 3): the transport fields
    /// may differ between copies, but every mailbox a confirmed
    /// `X-de-mail-actual-recipient` or `Envelope-to` names must be a chosen
    /// recipient of the original or a redirect target.
    fn recipients_chosen(&mut self, message: Option<&AcknowledgeMessage>) {
        let Some(message) = message else { return };
        let mut allowed = self.chosen_recipients();
        allowed.extend(self.redirect_targets(Some(message)));
        for metadate in &message.metadata {
            let name = FieldName::lookup(metadate.name.trim());
            if !matches!(name, Some(FieldName::ActualRecipient | FieldName::EnvelopeTo)) {
                continue;
            }
            let value = unfold(&metadate.value);
            let Ok(named) = mailboxes(&value) else {
                self.push(Mismatch::RecipientNotChosen {
                    name: metadate.name.clone(),
                    address: value,
                });
                continue;
            };
            for address in named {
                if !allowed.iter().any(|a| a.same_mailbox(&address)) {
                    self.push(Mismatch::RecipientNotChosen {
                        name: metadate.name.clone(),
                        address: address.addr_spec(),
                    });
                }
            }
        }
    }

    /// D93: with a directory, the confirmation's signer must be listed for a
    /// domain whose provider makes this kind of confirmation.
    fn responsible_provider(
        &mut self,
        kind: ConfirmationKind,
        message: Option<&AcknowledgeMessage>,
        integrity: &VerificationReport,
        options: &VerifyOptions<'_>,
    ) -> SignerBinding {
        let (Some(directory), Some(signer)) = (options.provider_directory, integrity.certificate.as_ref())
        else {
            return SignerBinding::NotChecked;
        };
        let sender = || crate::integrity::sender_domain(self.original).into_iter();
        let recipients = || {
            self.chosen_recipients()
                .into_iter()
                .chain(self.redirect_targets(message))
                .map(|a| a.domain.to_ascii_lowercase())
        };
        let mut domains: Vec<String> = match kind {
            ConfirmationKind::Dispatch => sender().collect(),
            ConfirmationKind::Receipt | ConfirmationKind::Retrieve => recipients().collect(),
            ConfirmationKind::Malware => sender().chain(recipients()).collect(),
        };
        domains.sort();
        domains.dedup();
        if let Some(domain) = domains.iter().find(|d| directory.allows(d, signer)) {
            return SignerBinding::Listed {
                domain: domain.clone(),
            };
        }
        let binding = match domains.first() {
            Some(domain) => SignerBinding::NotListed {
                domain: domain.clone(),
            },
            None => SignerBinding::NoSenderDomain,
        };
        self.push(Mismatch::ProviderNotResponsible {
            kind,
            domains,
            subject: signer.subject.clone(),
        });
        binding
    }

    /// Finds the parts; returns the parsed document (the signed content once
    /// XML signatures are verified).
    fn body(&mut self, options: &VerifyOptions<'_>) -> Option<AcknowledgeMessage> {
        let Some(parsed) = MessageParser::default().parse(self.envelope.raw()) else {
            self.push(Mismatch::XmlMissing);
            return None;
        };
        let found = body_parts(&parsed);
        if found.content_type != "multipart/mixed" {
            self.push(Mismatch::NotMultipartMixed {
                found: found.content_type,
            });
        }
        if !found.pdf {
            self.push(Mismatch::PdfMissing);
        }
        let Some(xml) = found.xml else {
            self.push(Mismatch::XmlMissing);
            return None;
        };
        self.xml_signature(xml, options)
    }

    /// Verifies the XML signature (with the caller's trust anchors and time)
    /// and parses what it covers: the content checked is the content that
    /// was signed, never the document around it (no signature wrapping).
    /// Without a usable signature the document itself is parsed, so that
    /// its content can still be reported.
    fn xml_signature(&mut self, xml: &[u8], options: &VerifyOptions<'_>) -> Option<AcknowledgeMessage> {
        // The whole document must be well-formed per §3.5.3 (signature last).
        let whole = match AcknowledgeMessage::parse(xml) {
            Ok(whole) => whole,
            Err(error) => {
                self.push(Mismatch::XmlInvalid(error));
                return None;
            }
        };
        let report = match crate::xmldsig::verify(xml, options) {
            Ok(report) => report,
            Err(XmlDsigError::NoSignature) => {
                self.push(Mismatch::XmlSignatureMissing);
                return Some(whole);
            }
            Err(error) => {
                self.push(Mismatch::XmlSignature(XmlSignatureProblem::Refused(error)));
                return Some(whole);
            }
        };
        for failure in &report.failures {
            self.push(Mismatch::XmlSignature(XmlSignatureProblem::Failed(
                failure.clone(),
            )));
        }
        let signed = AcknowledgeMessage::parse(report.signed_content());
        self.xml_signature = Some(report);
        match signed {
            Ok(mut signed) => {
                signed.signature = whole.signature;
                Some(signed)
            }
            Err(error) => {
                self.push(Mismatch::XmlInvalid(error));
                None
            }
        }
    }

    fn xml(&mut self, kind: ConfirmationKind, message: &AcknowledgeMessage) {
        let original = self.original.metadata();
        let original_subject = original.subject.as_deref().unwrap_or("");
        match ConfirmationKind::split_subject(&message.subject) {
            Some((xml_kind, rest)) if xml_kind == kind => {
                if rest != as_written(original_subject) {
                    self.push(Mismatch::XmlSubject {
                        expected: kind.subject(original_subject),
                        found: message.subject.clone(),
                    });
                }
            }
            other => self.push(Mismatch::KindMismatch {
                header: kind,
                xml: other.map(|(k, _)| k),
            }),
        }
        match original.integrity.as_deref() {
            // Nothing to confirm against: the builder refuses such an
            // original, so no Hash fits it, not even an empty one.
            None => self.push(Mismatch::OriginalIntegrityMissing),
            Some(expected) => {
                let expected = as_written(expected);
                if unfold(&message.hash) != expected {
                    self.push(Mismatch::Hash {
                        expected: expected.into_owned(),
                        found: message.hash.clone(),
                    });
                }
            }
        }
        match (
            kind == ConfirmationKind::Retrieve,
            message.delivery_time.is_some(),
        ) {
            (true, false) => self.push(Mismatch::DeliveryTimeMissing),
            (false, true) => self.push(Mismatch::DeliveryTimeUnexpected),
            _ => {}
        }
        let header_sender = self
            .envelope
            .metadata()
            .sender
            .as_ref()
            .map(|s| s.addr_spec())
            .unwrap_or_default();
        if !message.sender.trim().eq_ignore_ascii_case(&header_sender) {
            self.push(Mismatch::XmlSender {
                header: header_sender,
                xml: message.sender.clone(),
            });
        }
        self.metadata(message);
    }

    fn metadata(&mut self, message: &AcknowledgeMessage) {
        for metadate in &message.metadata {
            let name = FieldName::lookup(metadate.name.trim());
            if name.is_some_and(is_transport_field) {
                continue;
            }
            let field = name.and_then(|name| self.original.field(name));
            let Some(field) = field else {
                self.push(Mismatch::MetadataUnexpected {
                    name: metadate.name.clone(),
                });
                continue;
            };
            // What the writer could carry (D34): the original's value with
            // the characters XML 1.0 forbids replaced by U+FFFD.
            let expected = as_written(&field.unfolded_value()).into_owned();
            if unfold(&metadate.value) != expected {
                self.push(Mismatch::MetadataValue {
                    name: metadate.name.clone(),
                    expected,
                    found: metadate.value.clone(),
                });
            }
            let expected_header = same_lines(&as_written(&original_header(field)));
            if same_lines(&metadate.original_header) != expected_header {
                self.push(Mismatch::OriginalHeader {
                    name: metadate.name.clone(),
                });
            }
        }
        // Every Table 1 field of the original must be there, each once
        // (Table 24: "alle Metadaten der Nachricht"; D39).
        let mut seen: Vec<FieldName> = Vec::with_capacity(32);
        for field in self.original.fields() {
            let Some(name) = FieldName::lookup(field.name) else {
                continue;
            };
            if seen.contains(&name) || is_transport_field(name) {
                continue;
            }
            seen.push(name);
            let present = message
                .metadata
                .iter()
                .any(|m| FieldName::lookup(m.name.trim()) == Some(name));
            if !present {
                self.push(Mismatch::MetadataMissing {
                    name: field.name.to_owned(),
                });
            }
        }
    }
}

/// Whether a field is set in transport and so legitimately differs between
/// the sender's and a recipient's copy (D55): `Envelope-to` (§3.1.22, reset
/// on every receipt), the resent block of a forwarding or redirection
/// (§3.2, §3.3) and `X-de-mail-actual-recipient` (§3.1.15, rewritten by
/// both). None of them is covered by `h=` (§3.1.21), so a confirmation's
/// `Metadata` may or may not carry them, with any value.
fn is_transport_field(name: FieldName) -> bool {
    matches!(
        name,
        FieldName::EnvelopeTo
            | FieldName::ResentTo
            | FieldName::ResentFrom
            | FieldName::ResentDate
            | FieldName::ResentMessageId
            | FieldName::ActualRecipient
    )
}

/// The mailboxes of a recipient-list value (`to=...`) or of a plain
/// address list (`Envelope-to`, `Resent-To`), `,` or `;` separated.
fn mailboxes(value: &str) -> Result<Vec<DeMailAddress<'static>>, crate::address::AddressError> {
    if let Ok(list) = RecipientList::parse(value) {
        return Ok(list.iter().map(|a| a.clone().into_owned()).collect());
    }
    value
        .split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| DeMailAddress::parse(s).map(DeMailAddress::into_owned))
        .collect()
}

/// A value with folding removed and the ends trimmed, like
/// [`crate::header::RawField::unfolded_value`].
fn unfold(text: &str) -> String {
    text.replace("\r\n", "")
        .replace('\n', "")
        .trim_matches([' ', '\t'])
        .to_owned()
}

/// Line ends compared as LF: an `OriginalHeader` written with literal CRLF
/// reaches the reader as LF (XML 1.0 §2.11).
fn same_lines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    // The CLI prints these codes: stable, unique, snake_case, each with a
    // rule in words.
    #[test]
    fn mismatch_codes_are_unique_snake_case_with_a_rule() {
        let mut seen = std::collections::HashSet::new();
        for code in MismatchCode::ALL {
            let name = code.as_str();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
            assert!(!code.rule().is_empty());
            assert_eq!(code.to_string(), name);
        }
        assert!(seen.contains("original_integrity") && seen.contains("signer_mismatch"));
    }
}
