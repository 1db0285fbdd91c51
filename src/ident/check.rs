//! Checking a received ident confirmation (ID IO §2.1.1, §2.6, §2.7; PVD IO
//! Table 1 column I, §3.1.21): every mismatch is listed.

use std::fmt;

use mail_parser::MessageParser;

use crate::confirmation::IntegrityProblem;
use crate::envelope::Envelope;
use crate::fields::MessageType;
use crate::header::HeaderError;
use crate::integrity::{IntegrityMode, Verdict, VerificationReport};
use crate::provider::body_parts;
use crate::trust::VerifyOptions;
use crate::validate::Violation;
use crate::xmldsig::{XmlSignatureFailure, XmlSignatureReport};

use super::assertion::{AssertionError, IdentAssertion, verify_assertion};
use super::message::{INTRODUCTION, SUBJECT, SYSTEM_LOCAL_PART};

/// Why a message could not be checked at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentCheckError {
    /// The message is not a mail.
    #[error("the message: {0}")]
    Message(#[from] HeaderError),
}

/// One thing wrong with an ident confirmation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentMismatch {
    /// `X-de-mail-message-type` is not `identification` (ID IO Table 1, metadatum 16).
    #[error("message type `{found}` is not identification (ID IO Table 1)")]
    NotIdentification {
        /// The type found.
        found: String,
    },
    /// A header rule of PVD IO Table 1 column I.
    #[error("header: {0}")]
    Header(Violation),
    /// The sender is not `Ident-Bestaetigung@<DMDA>` (ID IO Table 1, metadatum 6).
    #[error("sender `{found}` is not Ident-Bestaetigung@<DMDA> (ID IO Table 1)")]
    SystemSender {
        /// The sender found.
        found: String,
    },
    /// `Subject` is not `Ident-Bestätigung` (ID IO Table 1, metadatum 8).
    #[error("subject `{found}` is not Ident-Bestätigung (ID IO Table 1)")]
    Subject {
        /// The subject found.
        found: String,
    },
    /// `X-de-mail-private` is not `yes` (ID IO Table 1, metadatum 5).
    #[error("X-de-mail-private is not yes (ID IO Table 1)")]
    NotPrivate,
    /// The message's integrity signature does not hold (PVD IO §3.1.21).
    #[error("integrity: {0}")]
    Integrity(IntegrityProblem),
    /// No assertion part.
    #[error("no XML part with the assertion (ID IO §2.6)")]
    AssertionMissing,
    /// No PDF part.
    #[error("no PDF presentation (PVD IO §3.4.1)")]
    PdfMissing,
    /// The body text lacks the mandatory sentence (ID IO §2.1.1).
    #[error("the text lacks the sentence of ID IO §2.1.1")]
    TextMissing,
    /// The assertion is malformed, unsigned, or its signature cannot be checked or does not cover it.
    #[error("assertion: {0}")]
    Assertion(AssertionError),
    /// The assertion signature was checked and failed (digest, value, certificate, trust).
    #[error("assertion signature: {0}")]
    AssertionSignature(XmlSignatureFailure),
    /// `Audience` is not the receiving provider the caller named (ID IO §2.6).
    #[error("audience `{found}` is not the receiving provider `{expected}` (ID IO §2.6)")]
    WrongAudience {
        /// The caller's provider.
        expected: String,
        /// The audience.
        found: String,
    },
    /// The card's `de-mail-address` is not `Subject/NameID` (ID IO §2.6).
    #[error("the card belongs to `{card}`, the assertion's subject is `{subject}` (ID IO §2.6)")]
    WrongSubject {
        /// The card's address.
        card: String,
        /// The NameID.
        subject: String,
    },
    /// The message's To is not the assertion's audience (ID IO Table 1).
    #[error("To `{found}` is not the assertion's audience `{audience}` (ID IO Table 1)")]
    RecipientNotAudience {
        /// The audience.
        audience: String,
        /// The To addresses.
        found: String,
    },
    /// The message's Cc is not the assertion's subject (ID IO Table 1, metadata 7, 19).
    #[error("Cc `{found}` is not the orderer `{subject}` (ID IO Table 1)")]
    CopyNotSubject {
        /// The subject.
        subject: String,
        /// The Cc addresses.
        found: String,
    },
    /// The assertion's Issuer is not the message's sender (ID IO §2.6).
    #[error("the assertion issuer `{issuer}` is not the sender `{sender}` (ID IO §2.6)")]
    IssuerNotSender {
        /// The Issuer.
        issuer: String,
        /// The sender.
        sender: String,
    },
    /// A pseudonym holder with a card naming a person or address (ID FU §3.2; D72).
    #[error("a pseudonym address holds a {0} card (ID FU §3.2)")]
    PseudonymCard(super::card::CardType),
}

/// `{"code", "error_case": null, "message", "offset": null}` (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for IdentMismatch {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::serialize::problem(serializer, self.code().as_str(), None, self, None)
    }
}

impl IdentMismatch {
    /// The mismatch's stable code.
    pub fn code(&self) -> IdentMismatchCode {
        match self {
            IdentMismatch::NotIdentification { .. } => IdentMismatchCode::NotIdentification,
            IdentMismatch::Header(_) => IdentMismatchCode::Header,
            IdentMismatch::SystemSender { .. } => IdentMismatchCode::SystemSender,
            IdentMismatch::Subject { .. } => IdentMismatchCode::Subject,
            IdentMismatch::NotPrivate => IdentMismatchCode::NotPrivate,
            IdentMismatch::Integrity(_) => IdentMismatchCode::Integrity,
            IdentMismatch::AssertionMissing => IdentMismatchCode::AssertionMissing,
            IdentMismatch::PdfMissing => IdentMismatchCode::PdfMissing,
            IdentMismatch::TextMissing => IdentMismatchCode::TextMissing,
            IdentMismatch::Assertion(_) => IdentMismatchCode::Assertion,
            IdentMismatch::AssertionSignature(_) => IdentMismatchCode::AssertionSignature,
            IdentMismatch::WrongAudience { .. } => IdentMismatchCode::WrongAudience,
            IdentMismatch::WrongSubject { .. } => IdentMismatchCode::WrongSubject,
            IdentMismatch::RecipientNotAudience { .. } => IdentMismatchCode::RecipientNotAudience,
            IdentMismatch::CopyNotSubject { .. } => IdentMismatchCode::CopyNotSubject,
            IdentMismatch::IssuerNotSender { .. } => IdentMismatchCode::IssuerNotSender,
            IdentMismatch::PseudonymCard(_) => IdentMismatchCode::PseudonymCard,
        }
    }
}

/// The stable code of an [`IdentMismatch`], for reports and queries
/// ([`IdentReport::has`]). [`IdentMismatchCode::as_str`] is the snake_case
/// name the CLI prints; [`IdentMismatchCode::rule`] says in words what the
/// failing rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentMismatchCode {
    /// See [`IdentMismatch::NotIdentification`].
    NotIdentification,
    /// See [`IdentMismatch::Header`].
    Header,
    /// See [`IdentMismatch::SystemSender`].
    SystemSender,
    /// See [`IdentMismatch::Subject`].
    Subject,
    /// See [`IdentMismatch::NotPrivate`].
    NotPrivate,
    /// See [`IdentMismatch::Integrity`].
    Integrity,
    /// See [`IdentMismatch::AssertionMissing`].
    AssertionMissing,
    /// See [`IdentMismatch::PdfMissing`].
    PdfMissing,
    /// See [`IdentMismatch::TextMissing`].
    TextMissing,
    /// See [`IdentMismatch::Assertion`].
    Assertion,
    /// See [`IdentMismatch::AssertionSignature`].
    AssertionSignature,
    /// See [`IdentMismatch::WrongAudience`].
    WrongAudience,
    /// See [`IdentMismatch::WrongSubject`].
    WrongSubject,
    /// See [`IdentMismatch::RecipientNotAudience`].
    RecipientNotAudience,
    /// See [`IdentMismatch::CopyNotSubject`].
    CopyNotSubject,
    /// See [`IdentMismatch::IssuerNotSender`].
    IssuerNotSender,
    /// See [`IdentMismatch::PseudonymCard`].
    PseudonymCard,
}

impl IdentMismatchCode {
    /// Every code, in the order the check looks for them.
    pub const ALL: [IdentMismatchCode; 17] = [
        IdentMismatchCode::NotIdentification,
        IdentMismatchCode::Header,
        IdentMismatchCode::SystemSender,
        IdentMismatchCode::Subject,
        IdentMismatchCode::NotPrivate,
        IdentMismatchCode::Integrity,
        IdentMismatchCode::AssertionMissing,
        IdentMismatchCode::PdfMissing,
        IdentMismatchCode::TextMissing,
        IdentMismatchCode::Assertion,
        IdentMismatchCode::AssertionSignature,
        IdentMismatchCode::WrongAudience,
        IdentMismatchCode::WrongSubject,
        IdentMismatchCode::RecipientNotAudience,
        IdentMismatchCode::CopyNotSubject,
        IdentMismatchCode::IssuerNotSender,
        IdentMismatchCode::PseudonymCard,
    ];

    /// The stable snake_case name, e.g. `wrong_audience`.
    pub const fn as_str(self) -> &'static str {
        match self {
            IdentMismatchCode::NotIdentification => "not_identification",
            IdentMismatchCode::Header => "header",
            IdentMismatchCode::SystemSender => "system_sender",
            IdentMismatchCode::Subject => "subject",
            IdentMismatchCode::NotPrivate => "not_private",
            IdentMismatchCode::Integrity => "integrity",
            IdentMismatchCode::AssertionMissing => "assertion_missing",
            IdentMismatchCode::PdfMissing => "pdf_missing",
            IdentMismatchCode::TextMissing => "text_missing",
            IdentMismatchCode::Assertion => "assertion_invalid",
            IdentMismatchCode::AssertionSignature => "assertion_signature",
            IdentMismatchCode::WrongAudience => "wrong_audience",
            IdentMismatchCode::WrongSubject => "wrong_subject",
            IdentMismatchCode::RecipientNotAudience => "recipient_not_audience",
            IdentMismatchCode::CopyNotSubject => "copy_not_subject",
            IdentMismatchCode::IssuerNotSender => "issuer_not_sender",
            IdentMismatchCode::PseudonymCard => "pseudonym_card",
        }
    }

    /// The rule that failed, in words a service provider understands.
    pub const fn rule(self) -> &'static str {
        match self {
            IdentMismatchCode::NotIdentification => "the message type is not identification",
            IdentMismatchCode::Header => "the header breaks a rule of PVD IO Table 1 column I",
            IdentMismatchCode::SystemSender => "the sender is not Ident-Bestaetigung@<DMDA>",
            IdentMismatchCode::Subject => "the subject is not Ident-Bestätigung",
            IdentMismatchCode::NotPrivate => "the message is not marked private",
            IdentMismatchCode::Integrity => "the message's integrity signature does not hold",
            IdentMismatchCode::AssertionMissing => "the message has no assertion XML",
            IdentMismatchCode::PdfMissing => "the message has no PDF presentation",
            IdentMismatchCode::TextMissing => "the body text lacks the mandatory sentence",
            IdentMismatchCode::Assertion => {
                "the assertion is malformed, unsigned or its signature does not cover it"
            }
            IdentMismatchCode::AssertionSignature => {
                "the assertion signature does not hold or its signer is not trusted"
            }
            IdentMismatchCode::WrongAudience => "the assertion is addressed to another service provider",
            IdentMismatchCode::WrongSubject => {
                "the card belongs to another address than the assertion's subject"
            }
            IdentMismatchCode::RecipientNotAudience => "the message is not sent to the assertion's audience",
            IdentMismatchCode::CopyNotSubject => "the copy does not go to the card holder",
            IdentMismatchCode::IssuerNotSender => "the assertion issuer is not the message sender",
            IdentMismatchCode::PseudonymCard => "a pseudonym address holds a card naming a person or address",
        }
    }
}

crate::display::display_as!(IdentMismatchCode, as_str);

/// What checking an ident confirmation found.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[non_exhaustive]
pub struct IdentReport {
    /// The verification of the message's integrity field.
    pub integrity: VerificationReport,
    /// The assertion, read from the signed content when the signature could
    /// be checked; `None` when it could not be read.
    pub assertion: Option<IdentAssertion>,
    /// The assertion signature's report, when it could be checked.
    pub xml_signature: Option<XmlSignatureReport>,
    /// Every mismatch, in the order checked.
    pub mismatches: Vec<IdentMismatch>,
}

impl IdentReport {
    /// Whether nothing is wrong.
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }

    /// Whether a mismatch with this code was found.
    pub fn has(&self, code: IdentMismatchCode) -> bool {
        self.mismatches.iter().any(|m| m.code() == code)
    }
}

impl fmt::Display for IdentReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.passed() {
            return f.write_str("ident confirmation holds");
        }
        for mismatch in &self.mismatches {
            writeln!(f, "{}: {mismatch}", mismatch.code())?;
        }
        Ok(())
    }
}

/// Checks a received ident confirmation: the Table 1 column I header rules
/// and ID IO Table 1 (type, sender, subject, private), the integrity
/// signature (signed mode, trusted by `options`), the parts (text with the
/// §2.1.1 sentence, assertion, PDF), the assertion (schema rules, its
/// signature, chain and trust with `options`, read from the signed content),
/// the audience against `audience` (the receiving provider, when given),
/// the card against the subject, and the message's own To, Cc and sender
/// against the assertion. Every mismatch is listed.
///
/// # Errors
/// [`IdentCheckError`] only when the message is not a mail.
pub fn check_ident_confirmation(
    message: &[u8],
    audience: Option<&str>,
    options: &VerifyOptions<'_>,
) -> Result<IdentReport, IdentCheckError> {
    let envelope = Envelope::parse(message)?;
    let integrity = crate::integrity::verify(&envelope, options);
    let mut mismatches = Vec::new();
    headers(&envelope, &mut mismatches);
    integrity_problem(&integrity, &mut mismatches);
    let (assertion, xml_signature) = body(&envelope, options, &mut mismatches);
    if let Some(assertion) = &assertion {
        agreement(&envelope, assertion, audience, &mut mismatches);
    }
    Ok(IdentReport {
        integrity,
        assertion,
        xml_signature,
        mismatches,
    })
}

fn headers(envelope: &Envelope<'_>, out: &mut Vec<IdentMismatch>) {
    let metadata = envelope.metadata();
    if metadata.message_type != Some(MessageType::Identification) {
        out.push(IdentMismatch::NotIdentification {
            found: metadata
                .message_type
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
        });
    }
    for violation in envelope.validate().violations() {
        out.push(IdentMismatch::Header(violation.clone()));
    }
    let sender = metadata.sender.as_ref();
    if sender.is_none_or(|s| s.local_part != SYSTEM_LOCAL_PART) {
        out.push(IdentMismatch::SystemSender {
            found: sender.map(|s| s.addr_spec()).unwrap_or_default(),
        });
    }
    let subject = metadata.subject.as_deref().unwrap_or("");
    if subject != SUBJECT {
        out.push(IdentMismatch::Subject {
            found: subject.to_owned(),
        });
    }
    if metadata.private != Some(true) {
        out.push(IdentMismatch::NotPrivate);
    }
}

fn integrity_problem(report: &VerificationReport, out: &mut Vec<IdentMismatch>) {
    let problem = match (&report.verdict, report.mode) {
        (Verdict::Pass, Some(IntegrityMode::Signed)) => return,
        (Verdict::Pass, _) => IntegrityProblem::HashOnly,
        (Verdict::SignatureValidUntrusted, _) => IntegrityProblem::Untrusted,
        (Verdict::Fail(failure), _) => IntegrityProblem::Failed(failure.clone()),
    };
    out.push(IdentMismatch::Integrity(problem));
}

type Checked = (Option<IdentAssertion>, Option<XmlSignatureReport>);

/// Why [`read_ident_confirmation`] found no assertion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdentReadError {
    /// The message is not a mail or its MIME structure cannot be read.
    #[error("the message cannot be read as MIME")]
    NotMime,
    /// No XML part.
    #[error("no XML part with the assertion (ID IO §2.6)")]
    NoAssertion,
    /// The assertion does not parse.
    #[error("the assertion: {0}")]
    Assertion(#[source] AssertionError),
}

impl IdentReadError {
    /// A stable snake_case code: `not_mime`, `no_assertion`, `assertion`.
    pub const fn code(&self) -> &'static str {
        match self {
            IdentReadError::NotMime => "not_mime",
            IdentReadError::NoAssertion => "no_assertion",
            IdentReadError::Assertion(_) => "assertion",
        }
    }
}

/// `{"code", "error_case": null, "message", "offset": null}` (D183).
#[cfg(feature = "serde")]
impl serde::Serialize for IdentReadError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::serialize::problem(serializer, self.code(), None, self, None)
    }
}

/// Reads the assertion of an ident confirmation into typed values, without
/// checking signatures ([`check_ident_confirmation`] does): for display
/// (`demail inspect`) and for callers that verify separately.
///
/// # Errors
/// [`IdentReadError`].
pub fn read_ident_confirmation(message: &[u8]) -> Result<IdentAssertion, IdentReadError> {
    let parsed = MessageParser::default()
        .parse(message)
        .ok_or(IdentReadError::NotMime)?;
    let xml = body_parts(&parsed).xml.ok_or(IdentReadError::NoAssertion)?;
    IdentAssertion::parse(xml).map_err(IdentReadError::Assertion)
}

/// Finds text, assertion and PDF; verifies the assertion.
fn body(envelope: &Envelope<'_>, options: &VerifyOptions<'_>, out: &mut Vec<IdentMismatch>) -> Checked {
    let Some(parsed) = MessageParser::default().parse(envelope.raw()) else {
        out.push(IdentMismatch::AssertionMissing);
        return (None, None);
    };
    let found = body_parts(&parsed);
    if !found.texts.iter().any(|text| text.contains(INTRODUCTION)) {
        out.push(IdentMismatch::TextMissing);
    }
    if !found.pdf {
        out.push(IdentMismatch::PdfMissing);
    }
    let Some(xml) = found.xml else {
        out.push(IdentMismatch::AssertionMissing);
        return (None, None);
    };
    match verify_assertion(xml, options) {
        Ok(verified) => {
            for failure in &verified.report.failures {
                out.push(IdentMismatch::AssertionSignature(failure.clone()));
            }
            (Some(verified.assertion), Some(verified.report))
        }
        Err(error) => {
            out.push(IdentMismatch::Assertion(error));
            (None, None)
        }
    }
}

/// The assertion against the caller's provider and the message's own metadata.
fn agreement(
    envelope: &Envelope<'_>,
    assertion: &IdentAssertion,
    audience: Option<&str>,
    out: &mut Vec<IdentMismatch>,
) {
    if let Some(expected) = audience
        && !expected.eq_ignore_ascii_case(&assertion.audience)
    {
        out.push(IdentMismatch::WrongAudience {
            expected: expected.to_owned(),
            found: assertion.audience.clone(),
        });
    }
    let card = assertion.card.de_mail_address();
    if !card.eq_ignore_ascii_case(&assertion.subject) {
        out.push(IdentMismatch::WrongSubject {
            card: card.to_owned(),
            subject: assertion.subject.clone(),
        });
    }
    let metadata = envelope.metadata();
    let list = |f: fn(&crate::address::RecipientList<'_>) -> Vec<String>| {
        metadata.chosen_recipient.as_ref().map(f).unwrap_or_default()
    };
    let to = list(|l| l.to.iter().map(|a| a.addr_spec()).collect());
    let cc = list(|l| l.cc.iter().map(|a| a.addr_spec()).collect());
    if !(to.len() == 1 && to[0].eq_ignore_ascii_case(&assertion.audience)) {
        out.push(IdentMismatch::RecipientNotAudience {
            audience: assertion.audience.clone(),
            found: to.join(", "),
        });
    }
    if !(cc.len() == 1 && cc[0].eq_ignore_ascii_case(&assertion.subject)) {
        out.push(IdentMismatch::CopyNotSubject {
            subject: assertion.subject.clone(),
            found: cc.join(", "),
        });
    }
    let sender = metadata
        .sender
        .as_ref()
        .map(|s| s.addr_spec())
        .unwrap_or_default();
    if !sender.eq_ignore_ascii_case(&assertion.issuer) {
        out.push(IdentMismatch::IssuerNotSender {
            issuer: assertion.issuer.clone(),
            sender,
        });
    }
    let pseudonym = crate::address::DeMailAddress::parse(&assertion.subject).is_ok_and(|a| a.is_pseudonym());
    if pseudonym && assertion.card.card_type().discloses_identity() {
        out.push(IdentMismatch::PseudonymCard(assertion.card.card_type()));
    }
}

#[cfg(test)]
mod tests {
    use super::IdentMismatchCode;

    /// The CLI's codes are stable snake_case and distinct (project rule: typed codes).
    #[test]
    fn ident_mismatch_codes_are_distinct_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for code in IdentMismatchCode::ALL {
            let name = code.as_str();
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{name}");
            assert!(seen.insert(name), "duplicate {name}");
            assert!(!code.rule().is_empty());
            assert_eq!(code.to_string(), name);
        }
    }
}
