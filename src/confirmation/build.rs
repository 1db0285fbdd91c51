//! Building a confirmation from the original message (TR 01201-3.4 §3.4.1,
//! §3.5.1; PVD FU Schritt 36–39, 56, 66–70, Funktion 1).

use crate::address::{DeMailAddress, RecipientList};
use crate::envelope::Envelope;
use crate::fields::{DateTime, FieldName};
use crate::header::RawField;
use crate::integrity::SignOptions;
use crate::metadata::Metadata;
use crate::pdf::Block;
use crate::provider::{
    BuildError, Issuer, ProviderMessage, pdf_opening, pdf_time, provider_message_headers,
    provider_message_recipients, text_frame,
};
use crate::resend::{ResendKind, resend_kind};
use crate::signer::Signer;

use super::ConfirmationKind;
use super::message::{AcknowledgeMessage, Metadate};

/// Whether the TR allows a confirmation of this kind for this copy (D56):
/// - dispatch (PVD FU Schritt 36): not when the message was forwarded or
///   redirected: a resent block, or `X-de-mail-actual-recipient` naming
///   other mailboxes than `X-de-mail-chosen-recipient`;
/// - receipt (Schritt 67) and retrieve (Funktion 1): not for a forwarded
///   copy (any `Resent-From`); a redirected copy is confirmed by the new
///   mailbox (§3.3, D41);
/// - malware: always (Schritt 56 names no exception).
///
/// # Errors
/// [`BuildError::SentOnCopy`] naming the step.
pub fn check_confirmable(original: &Envelope<'_>, kind: ConfirmationKind) -> Result<(), BuildError> {
    let forwarded = original.field(FieldName::ResentFrom).is_some();
    let refuse = |resend, reason, rule| {
        Err(BuildError::SentOnCopy {
            kind,
            resend,
            reason,
            rule,
        })
    };
    match kind {
        ConfirmationKind::Malware => Ok(()),
        ConfirmationKind::Receipt | ConfirmationKind::Retrieve if forwarded => refuse(
            ResendKind::Forward,
            "it carries Resent-From (Weiterleitungs-Absender)",
            if kind == ConfirmationKind::Receipt {
                "Schritt 67"
            } else {
                "Funktion 1"
            },
        ),
        ConfirmationKind::Receipt | ConfirmationKind::Retrieve => Ok(()),
        ConfirmationKind::Dispatch => match resend_kind(original) {
            Some(resend) => refuse(resend, "it carries a resent block (Resent-*)", "Schritt 36"),
            None if recipients_rewritten(original) => refuse(
                ResendKind::Redirect,
                "X-de-mail-actual-recipient differs from X-de-mail-chosen-recipient",
                "Schritt 36",
            ),
            None => Ok(()),
        },
    }
}

/// Whether the actual recipients name other mailboxes than the chosen ones
/// (PVD FU Schritt 36), compared as sets of addresses, case-insensitively.
fn recipients_rewritten(original: &Envelope<'_>) -> bool {
    let metadata = original.metadata();
    let (Some(chosen), Some(actual)) = (&metadata.chosen_recipient, &metadata.actual_recipient) else {
        return false;
    };
    let covers = |a: &RecipientList<'_>, b: &RecipientList<'_>| {
        a.iter().all(|x| {
            b.iter().any(|y| {
                x.local_part.eq_ignore_ascii_case(&y.local_part) && x.domain.eq_ignore_ascii_case(&y.domain)
            })
        })
    };
    !(covers(chosen, actual) && covers(actual, chosen))
}

/// File name of the `Acknowledge-Message` part, and of the same XML inside
/// the PDF (§3.4.1; D59).
const ACKNOWLEDGE_XML_NAME: &str = "Acknowledge-Message.xml";

/// What a confirmation confirms and when.
#[derive(Debug, Clone)]
pub struct ConfirmationRequest<'a> {
    /// Dispatch, receipt, retrieve or malware.
    pub kind: ConfirmationKind,
    /// The issuing provider.
    pub issuer: &'a Issuer,
    /// `Time`: when the confirmation is made (for dispatch and receipt the
    /// time of dispatch or deposit, for retrieve the login time).
    pub time: DateTime,
    /// `DeliveryTime`: for a retrieve confirmation, when the message reached
    /// the mailbox; `None` for the other kinds.
    pub delivery_time: Option<DateTime>,
    /// `Message-ID` and `X-de-mail-message-id` of the confirmation; derived
    /// from the kind, the time and the original's integrity value when `None`.
    pub message_id: Option<String>,
}

/// The recipients a confirmation goes to: the original's sender, or its
/// Reply-To when given (PVD FU §5.1 #10), and — for receipt, retrieve and
/// malware confirmations — in copy the recipients of the original
/// (FU Schritt 56, 70, Funktion 1).
pub fn confirmation_recipients(
    original: &Envelope<'_>,
    kind: ConfirmationKind,
) -> Result<RecipientList<'static>, BuildError> {
    let metadata = original.metadata();
    provider_message_recipients(
        [
            metadata.reply_to.clone(),
            metadata.sender.clone(),
            metadata.from.clone(),
        ],
        original,
        kind != ConfirmationKind::Dispatch,
    )
}

/// The `Acknowledge-Message` for an original message: its metadata fields
/// (Table 24), subject, text, hash, time(s) and sender. Unsigned: the
/// signature is added by [`build_confirmation`] (D31).
///
/// # Errors
/// [`BuildError::MissingField`] when the original lacks its integrity field
/// or sender; [`BuildError::DeliveryTime`] when the delivery time does not
/// fit the kind; [`BuildError::SentOnCopy`] when the TR forbids this kind
/// for a forwarded or redirected copy ([`check_confirmable`]).
pub fn acknowledge_message(
    original: &Envelope<'_>,
    request: &ConfirmationRequest<'_>,
) -> Result<AcknowledgeMessage, BuildError> {
    check_confirmable(original, request.kind)?;
    let is_retrieve = request.kind == ConfirmationKind::Retrieve;
    if is_retrieve != request.delivery_time.is_some() {
        return Err(BuildError::DeliveryTime);
    }
    let metadata = original.metadata();
    let hash = metadata
        .integrity
        .as_deref()
        .ok_or(BuildError::MissingField(FieldName::Integrity))?
        .to_owned();
    let subject = request.kind.subject(metadata.subject.as_deref().unwrap_or(""));
    let recipients = confirmation_recipients(original, request.kind)?;
    Ok(AcknowledgeMessage {
        sender: request.issuer.system_address.addr_spec(),
        metadata: metadata_of(original),
        subject,
        text: confirmation_text(original, request, &recipients),
        hash,
        time: request.time,
        delivery_time: request.delivery_time,
        signature: None,
        namespaces: Vec::new(),
        warnings: Vec::new(),
    })
}

/// The `Metadata` of Table 24: every Table 1 field of the original, the
/// first occurrence of each (§3.1.1), in the order of the message (D33).
pub fn metadata_of(original: &Envelope<'_>) -> Vec<Metadate> {
    let mut seen: Vec<FieldName> = Vec::with_capacity(32);
    let mut out = Vec::with_capacity(32);
    for field in original.fields() {
        let Some(name) = FieldName::lookup(field.name) else {
            continue;
        };
        if seen.contains(&name) {
            continue;
        }
        seen.push(name);
        out.push(Metadate {
            name: field.name.to_owned(),
            value: field.unfolded_value().into_owned(),
            original_header: original_header(field),
        });
    }
    out
}

/// The header line as received: name, colon and value with its folding,
/// without the final line end (D33). Bytes that are not UTF-8 (never in a
/// conforming message) become U+FFFD.
pub fn original_header(field: &RawField<'_>) -> String {
    let raw = field.raw;
    let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
    let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
    String::from_utf8_lossy(raw).into_owned()
}

fn recipients_text(recipients: &RecipientList<'_>, kind: ConfirmationKind) -> String {
    let addresses: Vec<String> = if kind == ConfirmationKind::Dispatch {
        Vec::new()
    } else {
        recipients.cc.iter().map(DeMailAddress::addr_spec).collect()
    };
    addresses.join(", ")
}

/// The human-readable text of §3.5.1 (German), used for the text/plain
/// part, the XML `Text` and the PDF.
fn confirmation_text(
    original: &Envelope<'_>,
    request: &ConfirmationRequest<'_>,
    recipients: &RecipientList<'_>,
) -> String {
    let metadata = original.metadata();
    let sender = metadata
        .sender
        .as_ref()
        .map(DeMailAddress::addr_spec)
        .unwrap_or_default();
    let mut recipient = recipients_text(recipients, request.kind);
    if recipient.is_empty() {
        recipient = metadata
            .chosen_recipient
            .iter()
            .flat_map(|l| l.iter())
            .map(DeMailAddress::addr_spec)
            .collect::<Vec<_>>()
            .join(", ");
    }
    let uhr = if request.kind == ConfirmationKind::Retrieve {
        " Uhr"
    } else {
        ""
    };
    let delivered = request.delivery_time.as_ref().map(|delivered| {
        (
            "Zeitpunkt des Eingangs der Nachricht",
            format!("{} Uhr", delivered.to_german()),
        )
    });
    let rows = [
        ("Absender", sender),
        ("Empfänger", recipient),
        ("Datum", format!("{}{uhr}", request.time.to_german())),
        ("Betreff", metadata.subject.as_deref().unwrap_or("").to_owned()),
        (
            "Nachrichten-ID",
            metadata.demail_message_id.as_deref().unwrap_or("").to_owned(),
        ),
        (
            "Prüfsumme",
            metadata.integrity.as_deref().unwrap_or("").to_owned(),
        ),
    ];
    let rows: Vec<(&str, String)> = delivered.into_iter().chain(rows).collect();
    text_frame(
        request.kind.introduction(),
        &rows,
        "Die Bestätigung erfolgte durch",
        request.issuer,
    )
}

/// The PDF blocks showing everything the XML holds (§3.4.1).
pub(crate) fn pdf_blocks(message: &AcknowledgeMessage) -> Vec<Block> {
    let mut blocks = pdf_opening(&message.text, "Angaben der Bestätigung", &message.sender);
    blocks.push(Block::Field {
        label: "Betreff".into(),
        value: message.subject.clone(),
    });
    blocks.push(pdf_time("Zeitpunkt", &message.time));
    if let Some(delivered) = &message.delivery_time {
        blocks.push(pdf_time("Eingang", delivered));
    }
    blocks.push(Block::Field {
        label: "Hashwert".into(),
        value: message.hash.clone(),
    });
    blocks.push(Block::Heading("Metadaten der Nachricht".into()));
    for metadate in &message.metadata {
        blocks.push(Block::Field {
            label: metadate.name.clone(),
            value: metadate.value.clone(),
        });
    }
    blocks
}

/// Builds the complete confirmation message: headers per Table 1 column B,
/// a `multipart/mixed` body with the text, the signed `Acknowledge-Message`
/// and the PDF, the whole signed with the integrity layer in signed mode
/// (§3.1.21) with the provider's key and certificate.
///
/// # Errors
/// A [`BuildError`]; see [`acknowledge_message`] and [`assemble`].
pub fn build_confirmation(
    original: &Envelope<'_>,
    request: &ConfirmationRequest<'_>,
    signer: &dyn Signer,
) -> Result<Vec<u8>, BuildError> {
    let message = acknowledge_message(original, request)?;
    assemble(original, request, &message, signer)
}

/// Signs the given `Acknowledge-Message` (XML-DSig, enveloped, with the
/// provider's key and certificate) and wraps it into the
/// confirmation message. [`build_confirmation`] is this with the document
/// from [`acknowledge_message`]; callers (and tests) that need a different
/// document use this directly.
///
/// # Errors
/// [`BuildError::SentOnCopy`] as [`check_confirmable`],
/// [`BuildError::SystemAddress`] when the issuer's address does not fit the
/// kind, [`BuildError::XmlSignature`] or [`BuildError::Integrity`] when
/// signing fails, [`BuildError::Pdf`] when the PDF cannot be written.
pub fn assemble(
    original: &Envelope<'_>,
    request: &ConfirmationRequest<'_>,
    message: &AcknowledgeMessage,
    signer: &dyn Signer,
) -> Result<Vec<u8>, BuildError> {
    check_confirmable(original, request.kind)?;
    request.issuer.require_sender(request.kind.system_local_part())?;
    let xml = sign_xml(&message.to_xml(), signer)?;
    let recipients = confirmation_recipients(original, request.kind)?;
    let headers = header_metadata(original, request, &recipients);
    ProviderMessage {
        headers: &headers,
        recipients: &recipients,
        text: &message.text,
        xml,
        xml_name: ACKNOWLEDGE_XML_NAME,
        pdf_title: &message.subject,
        pdf_blocks: &pdf_blocks(message),
        pdf_name: "Bestaetigung.pdf",
        time: &message.time,
    }
    .assemble(&SignOptions::signed(signer))
}

/// The XML-DSig step: the document with its enveloped `ds:Signature` over
/// the document element, made with the provider's key and certificate
/// (§3.5.1: "qualifiziert elektronisch signiert"; inclusive C14N 1.0 and
/// SHA-256, the defaults of [`crate::xmldsig::XmlSignOptions`]).
fn sign_xml(xml: &[u8], signer: &dyn Signer) -> Result<Vec<u8>, BuildError> {
    Ok(crate::xmldsig::sign_enveloped(
        xml,
        &crate::xmldsig::XmlSignOptions::new(signer),
    )?)
}

/// The confirmation's De-Mail header fields (Table 1 column B).
fn header_metadata(
    original: &Envelope<'_>,
    request: &ConfirmationRequest<'_>,
    recipients: &RecipientList<'static>,
) -> Metadata<'static> {
    let o = original.metadata();
    let kind = request.kind;
    let issuer = request.issuer;
    let message_id = request
        .message_id
        .clone()
        .unwrap_or_else(|| derived_message_id(original, request));
    // Options: none, except `private` as in the original for dispatch and
    // receipt, always for retrieve (FU Funktion 1), never for malware (Schritt 56).
    let private = match kind {
        ConfirmationKind::Retrieve => Some(true),
        ConfirmationKind::Dispatch | ConfirmationKind::Receipt => o.private.filter(|p| *p),
        ConfirmationKind::Malware => None,
    };
    let subject = kind.subject(o.subject.as_deref().unwrap_or(""));
    let headers = provider_message_headers(
        issuer,
        request.time,
        message_id,
        subject,
        kind.message_type(),
        recipients,
        Some(original),
    );
    Metadata { private, ..headers }
}

/// `<kind>.<yyyymmddhhmmss>.<16 hex of SHA-256(type, original integrity)>@<system domain>` (D36).
fn derived_message_id(original: &Envelope<'_>, request: &ConfirmationRequest<'_>) -> String {
    let integrity = original.metadata().integrity.as_deref().unwrap_or("");
    crate::provider::derived_message_id(
        request.kind.as_str(),
        &request.time,
        &[
            request.kind.message_type().as_str().as_bytes(),
            integrity.as_bytes(),
        ],
        &request.issuer.system_address.domain,
    )
}
