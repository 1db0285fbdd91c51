//! Building the ident confirmation message (ID IO §2.1.1 Table 1, §2.6;
//! PVD IO Table 1 column I, §3.4.1).

use crate::address::{DeMailAddress, RecipientList};
use crate::fields::{DateTime, MessageType};
use crate::integrity::{IntegrityError, SignOptions};
use crate::metadata::Metadata;
use crate::pdf::{Block, PdfError};
use crate::provider::{
    Issuer, ProviderMessage, bare, derived_message_id, provider_message_headers, system_local_part,
};
use crate::signer::Signer;
use crate::xmldsig::XmlDsigError;

use super::assertion::{AssertionError, IdentAssertion};
use super::card::IdentCard;

/// `Subject: Ident-Bestätigung` (ID IO Table 1, metadatum 8).
pub const SUBJECT: &str = "Ident-Bestätigung";
/// The file name of the assertion part.
pub const ASSERTION_FILE: &str = "Ident-Bestaetigung.xml";
/// The authentication context when the caller names none: the SAML
/// `MobileTwoFactorContract` class of the ID IO §2.6 example (D75).
pub const DEFAULT_AUTHN_CONTEXT: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract";
/// The local part of the sender (ID IO Table 1, ID FU §3.6), from the one
/// system-sender table.
pub(crate) const SYSTEM_LOCAL_PART: &str = system_local_part(MessageType::Identification);
/// The first sentence of the body (ID IO §2.1.1).
pub(crate) const INTRODUCTION: &str =
    "Hiermit werden die folgende Identitätsdaten zur angegebenen De-Mail-Adresse bestätigt:";

/// What an ident confirmation confirms, to whom, and when.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct IdentRequest<'a> {
    /// The card.
    pub card: &'a IdentCard,
    /// The issuing provider; its system address is `Ident-Bestaetigung@<DMDA>`.
    pub issuer: &'a Issuer,
    /// The orderer and holder of the card (Cc; `Subject/NameID`).
    pub holder: DeMailAddress<'a>,
    /// The receiving service provider (To; `Audience`).
    pub audience: DeMailAddress<'a>,
    /// When the confirmation is issued (`Date`, `IssueInstant`).
    pub time: DateTime,
    /// The holder's last authentication at the portal (`AuthnInstant`);
    /// `time` when `None`.
    pub authn_instant: Option<DateTime>,
    /// The `AuthnContextClassRef`; [`DEFAULT_AUTHN_CONTEXT`] when `None`.
    pub authn_context: Option<String>,
    /// The assertion `ID`; a fresh random one when `None` (tests set it).
    pub assertion_id: Option<String>,
}

impl<'a> IdentRequest<'a> {
    /// A request with the defaults above.
    pub fn new(
        card: &'a IdentCard,
        issuer: &'a Issuer,
        holder: DeMailAddress<'a>,
        audience: DeMailAddress<'a>,
        time: DateTime,
    ) -> Self {
        IdentRequest {
            card,
            issuer,
            holder,
            audience,
            time,
            authn_instant: None,
            authn_context: None,
            assertion_id: None,
        }
    }
}

/// Why an ident confirmation could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentBuildError {
    /// The issuer's system address is not `Ident-Bestaetigung@...` (ID IO Table 1).
    #[error("the sender must be Ident-Bestaetigung@<DMDA>, not {0} (ID IO Table 1)")]
    SystemAddress(String),
    /// The card's `de-mail-address` is not the holder's address (ID IO §2.6).
    #[error("the card belongs to {card}, not to the holder {holder} (ID IO §2.6)")]
    HolderMismatch {
        /// The card's `de-mail-address`.
        card: String,
        /// The holder.
        holder: String,
    },
    /// A pseudonym holder chose a card with name or postal address (ID FU §3.2; D72).
    #[error("a pseudonym address may not receive a {0} card (ID FU §3.2)")]
    PseudonymCard(super::card::CardType),
    /// An address of the assertion is not a De-Mail address.
    #[error("`{0}` is not a De-Mail address (ACM §2.1)")]
    Address(String),
    /// The assertion could not be made (random ID).
    #[error(transparent)]
    Assertion(#[from] AssertionError),
    /// Signing the assertion failed.
    #[error("signing the assertion: {0}")]
    XmlSignature(#[from] XmlDsigError),
    /// The PDF presentation could not be written.
    #[error("the PDF presentation: {0}")]
    Pdf(#[from] PdfError),
    /// Signing the message failed.
    #[error("signing the message: {0}")]
    Integrity(#[from] IntegrityError),
}

/// The unsigned assertion of a request (ID IO §2.6).
///
/// # Errors
/// [`IdentBuildError`] when the holder, card and issuer do not fit.
pub fn ident_assertion(request: &IdentRequest<'_>) -> Result<IdentAssertion, IdentBuildError> {
    if !request.issuer.sends_as(SYSTEM_LOCAL_PART) {
        return Err(IdentBuildError::SystemAddress(
            request.issuer.system_address.addr_spec(),
        ));
    }
    let holder = request.holder.addr_spec();
    if !request.card.de_mail_address().eq_ignore_ascii_case(&holder) {
        return Err(IdentBuildError::HolderMismatch {
            card: request.card.de_mail_address().to_owned(),
            holder,
        });
    }
    if request.holder.is_pseudonym() && request.card.card_type().discloses_identity() {
        return Err(IdentBuildError::PseudonymCard(request.card.card_type()));
    }
    let id = match &request.assertion_id {
        Some(id) => id.clone(),
        None => IdentAssertion::random_id()?,
    };
    Ok(IdentAssertion {
        id,
        issue_instant: request.time,
        issuer: request.issuer.system_address.addr_spec(),
        subject: holder,
        audience: request.audience.addr_spec(),
        authn_instant: request.authn_instant.unwrap_or(request.time),
        authn_context: request
            .authn_context
            .clone()
            .unwrap_or_else(|| DEFAULT_AUTHN_CONTEXT.to_owned()),
        card: request.card.clone(),
    })
}

/// The body text (ID IO §2.1.1): the mandatory sentence, then every
/// attribute of the card with its meaning, value and validation time.
pub fn ident_text(assertion: &IdentAssertion) -> String {
    let mut text = String::with_capacity(1024);
    text.push_str(INTRODUCTION);
    text.push_str("\n\n");
    text.push_str(&format!("De-Mail-Adresse: {}\n", assertion.subject));
    text.push_str(&format!("Karte: {}\n\n", assertion.card.card_type().title()));
    for line in assertion.card.describe() {
        text.push_str(&line);
        text.push('\n');
    }
    text.push_str(&format!(
        "\nEmpfänger der Bestätigung: {}\nAusgestellt von {} am {}\n",
        assertion.audience,
        assertion.issuer,
        assertion.issue_instant.to_german()
    ));
    text
}

fn pdf_blocks(assertion: &IdentAssertion, text: &str) -> Vec<Block> {
    let mut blocks = vec![
        Block::Paragraph(text.to_owned()),
        Block::Heading("Angaben der Assertion".into()),
    ];
    for (label, value) in [
        ("ID", assertion.id.clone()),
        ("Aussteller", assertion.issuer.clone()),
        ("Inhaber", assertion.subject.clone()),
        ("Empfänger", assertion.audience.clone()),
        ("Ausgestellt", assertion.issue_instant.to_rfc3339()),
        ("Anmeldung", assertion.authn_instant.to_rfc3339()),
        ("Verfahren", assertion.authn_context.clone()),
    ] {
        blocks.push(Block::Field {
            label: label.into(),
            value,
        });
    }
    blocks
}

/// Builds the ident confirmation: the assertion of [`ident_assertion`],
/// then [`assemble_ident_confirmation`].
///
/// # Errors
/// [`IdentBuildError`].
pub fn build_ident_confirmation(
    request: &IdentRequest<'_>,
    signer: &dyn Signer,
) -> Result<Vec<u8>, IdentBuildError> {
    let assertion = ident_assertion(request)?;
    assemble_ident_confirmation(&assertion, request.issuer, signer)
}

/// Signs the assertion (SAML core §5.4) and wraps it into the message:
/// headers per ID IO Table 1 and PVD IO Table 1 column I (`private`, type
/// `identification`, sender the issuer's `Ident-Bestaetigung@<DMDA>`, To
/// the assertion's audience, Cc its subject, `Date` its `IssueInstant`), a
/// `multipart/mixed` body with the text, the signed assertion and the PDF,
/// the whole signed with the integrity layer in signed mode. Callers (and
/// tests) that need a different assertion than [`ident_assertion`] makes
/// use this directly; nothing is checked here.
///
/// # Errors
/// [`IdentBuildError`] when an address does not parse or signing fails.
pub fn assemble_ident_confirmation(
    assertion: &IdentAssertion,
    issuer: &Issuer,
    signer: &dyn Signer,
) -> Result<Vec<u8>, IdentBuildError> {
    let xml = assertion.sign(signer)?;
    let text = ident_text(assertion);
    let address = |value: &str| {
        DeMailAddress::parse(value)
            .map(|a| bare(&a))
            .map_err(|_| IdentBuildError::Address(value.chars().take(64).collect()))
    };
    let recipients = RecipientList {
        to: vec![address(&assertion.audience)?],
        cc: vec![address(&assertion.subject)?],
        bcc: Vec::new(),
    };
    let headers = header_metadata(issuer, assertion, &recipients);
    // The PDF/A-3b presentation with the signed assertion attached (PVD IO §3.4.1).
    ProviderMessage {
        headers: &headers,
        recipients: &recipients,
        text: &text,
        xml,
        xml_name: ASSERTION_FILE,
        pdf_title: SUBJECT,
        pdf_blocks: &pdf_blocks(assertion, &text),
        pdf_name: "Ident-Bestaetigung.pdf",
        time: &assertion.issue_instant,
    }
    .assemble(&SignOptions::signed(signer))
}

/// The header fields (ID IO Table 1; PVD IO Table 1 column I): those of
/// every provider message, about no original, and `private`.
fn header_metadata(
    issuer: &Issuer,
    assertion: &IdentAssertion,
    recipients: &RecipientList<'static>,
) -> Metadata<'static> {
    let time = assertion.issue_instant;
    // D76: the message id derives from the assertion ID, unique per DMDA.
    let message_id = derived_message_id(
        "ident",
        &time,
        &[assertion.id.as_bytes()],
        &issuer.system_address.domain,
    );
    let headers = provider_message_headers(
        issuer,
        time,
        message_id,
        SUBJECT.to_owned(),
        MessageType::Identification,
        recipients,
        None,
    );
    Metadata {
        private: Some(true),
        ..headers
    }
}
