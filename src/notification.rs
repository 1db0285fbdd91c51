//! Notification messages (Meldungsnachrichten, TR 01201-3.4 §3.5.2,
//! §3.1.20, schema §3.5.3; PVD FU §3.2.1, §5.3, Schritt 41, 45, 56): the
//! `Notification-Message` XML, building a notification about an original
//! message, and reading a received one.
//!
//! Needs the cargo feature `provider`, a default feature.
//!
//! ```
//! use demail::address::DeMailAddress;
//! use demail::envelope::Envelope;
//! use demail::fields::DateTime;
//! use demail::notification::{NotificationKind, NotificationRequest, build_notification, read_notification};
//! use demail::provider::Issuer;
//!
//! let raw = std::fs::read("tests/data/normal.eml")?;
//! let original = Envelope::parse(&raw)?;
//! let issuer = Issuer::new("DMDA B GmbH", DeMailAddress::parse("Meldung@dmda-b.de-mail.de")?);
//! let request = NotificationRequest::new(
//!     NotificationKind::UnknownRecipient,
//!     &issuer,
//!     DateTime::parse_rfc5322("Tue, 12 Mar 2024 09:15:07 +0100").unwrap(),
//! );
//! let notification = build_notification(&original, &request, None)?;
//! let received = read_notification(&notification)?;
//! assert_eq!(received.kind, NotificationKind::UnknownRecipient);
//! assert_eq!(received.message.sender, "DMDA B GmbH");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use mail_parser::MessageParser;

use crate::address::{DeMailAddress, RecipientList};
use crate::envelope::Envelope;
use crate::fields::{DateTime, MessageType, NotificationType};
use crate::header::HeaderError;
use crate::integrity::SignOptions;
use crate::metadata::Metadata;
use crate::provider::{
    BuildError, Issuer, ProviderMessage, body_parts, derived_message_id, pdf_opening, pdf_time,
    provider_message_headers, provider_message_recipients, system_local_part, text_frame,
};
use crate::signer::Signer;
use crate::xml::pull::Document;
use crate::xml::reader::decode;
use crate::xml::{self, XmlError, XmlLimits, XmlWarning, push_element};

/// The document element's local name (§3.5.3).
pub const NOTIFICATION_MESSAGE: &str = "Notification-Message";

/// File name of the `Notification-Message` part, and of the same XML inside
/// the PDF (§3.4.1; D59).
const NOTIFICATION_XML_NAME: &str = "Notification-Message.xml";

/// The XML of a notification (§3.5.2 Table 25): `Notification-Message` in
/// namespace `urn:de-mail`, elements in schema order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationMessage {
    /// `Subject`: the kind of notification and the reference to the event.
    pub subject: String,
    /// `Text`: further explanation.
    pub text: String,
    /// `Time`: when the notification was made, to the second.
    pub time: DateTime,
    /// `Sender`: the unique name of the issuing provider (DMDA).
    pub sender: String,
    /// Namespace declarations of the document element besides the default.
    pub namespaces: Vec<(String, String)>,
    /// What the reader accepted but reports (a `Time` without time zone,
    /// D85); empty in a document built by the crate, not serialized.
    pub warnings: Vec<XmlWarning>,
}

impl NotificationMessage {
    /// Parses a document with the default [`XmlLimits`].
    ///
    /// # Errors
    /// An [`XmlError`] naming the element and byte offset.
    pub fn parse(xml: &[u8]) -> Result<Self, XmlError> {
        Self::parse_with_limits(xml, XmlLimits::default())
    }

    /// Parses a document with the given limits.
    ///
    /// # Errors
    /// An [`XmlError`] naming the element and byte offset.
    pub fn parse_with_limits(xml: &[u8], limits: XmlLimits) -> Result<Self, XmlError> {
        let decoded = decode(xml, &limits)?;
        let mut doc = Document::new(&decoded, limits);
        let root = NOTIFICATION_MESSAGE;
        let namespaces = doc.root(root)?;
        let (subject, _) = doc.expect_text(root, "Subject")?;
        let (text, _) = doc.expect_text(root, "Text")?;
        let time = doc.expect_date_time(root, "Time")?;
        let (sender, _) = doc.expect_text(root, "Sender")?;
        doc.expect_end(root, "the end of Notification-Message")?;
        doc.finish()?;
        Ok(NotificationMessage {
            subject,
            text,
            time,
            sender,
            namespaces,
            warnings: doc.warnings,
        })
    }

    /// Serializes the document (XML declaration, UTF-8, schema order).
    pub fn to_xml(&self) -> Vec<u8> {
        let mut out = String::with_capacity(512 + self.text.len());
        xml::push_root_start(&mut out, NOTIFICATION_MESSAGE, &self.namespaces);
        push_element(&mut out, "  ", "Subject", &self.subject);
        push_element(&mut out, "  ", "Text", &self.text);
        push_element(&mut out, "  ", "Time", &self.time.to_rfc3339());
        push_element(&mut out, "  ", "Sender", &self.sender);
        out.push_str("</");
        out.push_str(NOTIFICATION_MESSAGE);
        out.push_str(">\n");
        out.into_bytes()
    }
}

/// The notifications this crate builds: the four types of Table 22 and the
/// malware notification (Table 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// `unknown-recipient` (unbekannter Empfänger).
    UnknownRecipient,
    /// `closed-account` (geschlossenes Konto).
    ClosedAccount,
    /// `invalid-format` (ungültiges Format der De-Mail).
    InvalidFormat,
    /// `other`: the text says what happened.
    Other,
    /// `malware-notification` (PVD FU Schritt 56).
    Malware,
}

impl NotificationKind {
    /// Every kind.
    pub const ALL: [NotificationKind; 5] = [
        NotificationKind::UnknownRecipient,
        NotificationKind::ClosedAccount,
        NotificationKind::InvalidFormat,
        NotificationKind::Other,
        NotificationKind::Malware,
    ];

    /// `X-de-mail-message-type` (Table 12).
    pub const fn message_type(self) -> MessageType {
        match self {
            NotificationKind::Malware => MessageType::MalwareNotification,
            _ => MessageType::Notification,
        }
    }

    /// `X-de-mail-notification-type` (§3.1.20 Table 22). Table 1 requires
    /// the field in every notification; a malware notification carries
    /// `other` (D35).
    pub const fn notification_type(self) -> NotificationType {
        match self {
            NotificationKind::UnknownRecipient => NotificationType::UnknownRecipient,
            NotificationKind::ClosedAccount => NotificationType::ClosedAccount,
            NotificationKind::InvalidFormat => NotificationType::InvalidFormat,
            NotificationKind::Other | NotificationKind::Malware => NotificationType::Other,
        }
    }

    /// The kind of a received notification's two header fields.
    pub fn from_fields(
        message_type: MessageType,
        notification_type: Option<NotificationType>,
    ) -> Option<Self> {
        match (message_type, notification_type) {
            (MessageType::MalwareNotification, _) => Some(NotificationKind::Malware),
            (MessageType::Notification, Some(NotificationType::UnknownRecipient)) => {
                Some(NotificationKind::UnknownRecipient)
            }
            (MessageType::Notification, Some(NotificationType::ClosedAccount)) => {
                Some(NotificationKind::ClosedAccount)
            }
            (MessageType::Notification, Some(NotificationType::InvalidFormat)) => {
                Some(NotificationKind::InvalidFormat)
            }
            // FU Schritt 41: a missing or invalid type may be taken as `other`.
            (MessageType::Notification, _) => Some(NotificationKind::Other),
            _ => None,
        }
    }

    /// The local part of the system address that sends it (PVD FU §4.3
    /// Table 1), from the one table [`MessageType::system_sender`].
    pub const fn system_local_part(self) -> &'static str {
        system_local_part(self.message_type())
    }

    /// The German label that starts the subject (Table 22 meanings; D35).
    pub const fn label(self) -> &'static str {
        match self {
            NotificationKind::UnknownRecipient => "Unbekannter Empfänger",
            NotificationKind::ClosedAccount => "Geschlossenes Konto",
            NotificationKind::InvalidFormat => "Ungültiges Format",
            NotificationKind::Other => "Meldung",
            NotificationKind::Malware => "Schadsoftware-Warnung",
        }
    }

    /// The CLI name: the Table 22 value, or `malware`.
    pub const fn as_str(self) -> &'static str {
        match self {
            NotificationKind::Malware => "malware",
            other => other.notification_type().as_str(),
        }
    }

    /// Parses a CLI name ([`NotificationKind::as_str`]; `malware-notification` too).
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "malware" | "malware-notification" => Some(NotificationKind::Malware),
            other => NotificationType::parse(other).map(|t| match t {
                NotificationType::UnknownRecipient => NotificationKind::UnknownRecipient,
                NotificationType::ClosedAccount => NotificationKind::ClosedAccount,
                NotificationType::InvalidFormat => NotificationKind::InvalidFormat,
                NotificationType::Other => NotificationKind::Other,
            }),
        }
    }

    const fn explanation(self) -> &'static str {
        match self {
            NotificationKind::UnknownRecipient => {
                "Die Nachricht mit den folgenden Angaben konnte nicht zugestellt werden: Der Empfänger ist unbekannt."
            }
            NotificationKind::ClosedAccount => {
                "Die Nachricht mit den folgenden Angaben konnte nicht zugestellt werden: Das De-Mail-Konto des Empfängers ist geschlossen."
            }
            NotificationKind::InvalidFormat => {
                "Die Nachricht mit den folgenden Angaben konnte nicht verarbeitet werden: Sie entspricht nicht dem Format einer De-Mail."
            }
            NotificationKind::Other => "Zu der Nachricht mit den folgenden Angaben liegt eine Meldung vor.",
            NotificationKind::Malware => {
                "In der Nachricht mit den folgenden Angaben wurde Schadsoftware gefunden. Die Nachricht wurde nicht zugestellt."
            }
        }
    }
}

/// What a notification reports and when.
#[derive(Debug, Clone)]
pub struct NotificationRequest<'a> {
    /// The kind.
    pub kind: NotificationKind,
    /// The issuing provider; its system address must be `Meldung@` or
    /// `Schadsoftware-Warnung@` as the kind requires.
    pub issuer: &'a Issuer,
    /// `Time`: when the notification is made.
    pub time: DateTime,
    /// The recipient the notification is about (unknown recipient, closed
    /// account); the original's recipients when `None`.
    pub recipient: Option<DeMailAddress<'a>>,
    /// A further explanation added to the text (the check result, FU Schritt 45).
    pub reason: Option<String>,
    /// `Message-ID`; derived when `None`.
    pub message_id: Option<String>,
}

impl<'a> NotificationRequest<'a> {
    /// A request with no recipient, reason or message id.
    pub fn new(kind: NotificationKind, issuer: &'a Issuer, time: DateTime) -> Self {
        NotificationRequest {
            kind,
            issuer,
            time,
            recipient: None,
            reason: None,
            message_id: None,
        }
    }
}

/// The `Notification-Message` about an original message.
pub fn notification_message(
    original: &Envelope<'_>,
    request: &NotificationRequest<'_>,
) -> NotificationMessage {
    let metadata = original.metadata();
    let subject = format!(
        "*{}* {}",
        request.kind.label(),
        metadata.subject.as_deref().unwrap_or("")
    );
    let recipient = match &request.recipient {
        Some(address) => address.addr_spec(),
        None => metadata
            .actual_recipient
            .as_ref()
            .or(metadata.chosen_recipient.as_ref())
            .iter()
            .flat_map(|l| l.iter())
            .map(DeMailAddress::addr_spec)
            .collect::<Vec<_>>()
            .join(", "),
    };
    let date = metadata
        .date
        .as_ref()
        .map(DateTime::to_german)
        .unwrap_or_default();
    let mut rows = vec![
        (
            "Absender",
            metadata
                .sender
                .as_ref()
                .map(DeMailAddress::addr_spec)
                .unwrap_or_default(),
        ),
        ("Empfänger", recipient),
        ("Datum", date),
        ("Betreff", metadata.subject.as_deref().unwrap_or("").to_owned()),
        (
            "Nachrichten-ID",
            metadata.demail_message_id.as_deref().unwrap_or("").to_owned(),
        ),
    ];
    if let Some(reason) = &request.reason {
        rows.push(("Grund", reason.clone()));
    }
    let text = text_frame(
        request.kind.explanation(),
        &rows,
        "Die Meldung erfolgte durch",
        request.issuer,
    );
    NotificationMessage {
        subject,
        text,
        time: request.time,
        sender: request.issuer.name.clone(),
        namespaces: Vec::new(),
        warnings: Vec::new(),
    }
}

/// Builds the notification message: headers per Table 1 column M from the
/// system address, `multipart/mixed` with text, XML and PDF (§3.4.1),
/// private id copied (FU Schritt 45, 56), no options. Signed with the
/// integrity layer when a signer is given, hash-only otherwise.
///
/// Goes to the forwarder (`Resent-From`) when the original was forwarded,
/// otherwise to the Reply-To or sender (FU Schritt 45); a malware
/// notification also to the original's recipients (FU Schritt 56).
///
/// # Errors
/// [`BuildError::SystemAddress`] when the issuer's address does not fit the
/// kind, [`BuildError::MissingField`] when the original names no sender,
/// [`BuildError::SystemAddressee`] when the original comes from a system
/// address or the notification would go to one (FU Schritt 45, D57),
/// [`BuildError::Integrity`] when signing fails, [`BuildError::Pdf`] when
/// the PDF cannot be written.
pub fn build_notification(
    original: &Envelope<'_>,
    request: &NotificationRequest<'_>,
    signer: Option<&dyn Signer>,
) -> Result<Vec<u8>, BuildError> {
    request.issuer.require_sender(request.kind.system_local_part())?;
    let recipients = notification_recipients(original, request.kind)?;
    refuse_system_addressee(original, &recipients)?;
    let message = notification_message(original, request);
    let headers = header_metadata(original, request, &message, &recipients);
    let mut pdf_blocks = pdf_opening(&message.text, "Angaben der Meldung", &message.sender);
    pdf_blocks.push(pdf_time("Zeitpunkt", &message.time));
    let signing = match signer {
        Some(signer) => SignOptions::signed(signer),
        None => SignOptions::hash_only(),
    };
    ProviderMessage {
        headers: &headers,
        recipients: &recipients,
        text: &message.text,
        xml: message.to_xml(),
        xml_name: NOTIFICATION_XML_NAME,
        pdf_title: &message.subject,
        pdf_blocks: &pdf_blocks,
        pdf_name: "Meldung.pdf",
        time: &message.time,
    }
    .assemble(&signing)
}

/// PVD FU Schritt 45: when the original's sender is a system address (the
/// original is a confirmation or notification), it is deleted and no
/// notification is sent; and no notification goes to a system address at
/// all (D57). Checks `X-de-mail-sender`, `From` and every recipient.
fn refuse_system_addressee(
    original: &Envelope<'_>,
    recipients: &RecipientList<'_>,
) -> Result<(), BuildError> {
    let metadata = original.metadata();
    let system = metadata
        .sender
        .iter()
        .chain(metadata.from.iter())
        .chain(recipients.iter())
        .find(|a| a.is_system_address());
    match system {
        Some(address) => Err(BuildError::SystemAddressee {
            address: address.addr_spec(),
        }),
        None => Ok(()),
    }
}

fn notification_recipients(
    original: &Envelope<'_>,
    kind: NotificationKind,
) -> Result<RecipientList<'static>, BuildError> {
    let metadata = original.metadata();
    let forwarder = metadata
        .resent_from
        .as_deref()
        .and_then(|r| DeMailAddress::parse(r).ok());
    provider_message_recipients(
        [forwarder, metadata.reply_to.clone(), metadata.sender.clone()],
        original,
        kind == NotificationKind::Malware,
    )
}

fn header_metadata(
    original: &Envelope<'_>,
    request: &NotificationRequest<'_>,
    message: &NotificationMessage,
    recipients: &RecipientList<'static>,
) -> Metadata<'static> {
    let issuer = request.issuer;
    let message_id = request.message_id.clone().unwrap_or_else(|| {
        derived_message_id(
            "notification",
            &request.time,
            &[
                request.kind.as_str().as_bytes(),
                original.raw().get(..original.body_offset()).unwrap_or_default(),
            ],
            &issuer.system_address.domain,
        )
    });
    let headers = provider_message_headers(
        issuer,
        request.time,
        message_id,
        message.subject.clone(),
        request.kind.message_type(),
        recipients,
        Some(original),
    );
    Metadata {
        notification_type: Some(request.kind.notification_type()),
        ..headers
    }
}

/// Why a received notification could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationError {
    /// The message is not a mail.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// `X-de-mail-message-type` is not `notification` or `malware-notification`.
    #[error("X-de-mail-message-type `{0}` is not a notification type (TR 01201-3.4 §3.1.12)")]
    NotANotification(String),
    /// No XML part with a `Notification-Message`.
    #[error("no XML part with a Notification-Message (TR 01201-3.4 §3.5.2)")]
    XmlMissing,
    /// The XML part does not parse.
    #[error("the Notification-Message is invalid: {0}")]
    Xml(#[from] XmlError),
}

/// A received notification: its kind (from the header fields) and its XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedNotification {
    /// The kind, from `X-de-mail-message-type` and `X-de-mail-notification-type`.
    pub kind: NotificationKind,
    /// The `Notification-Message`.
    pub message: NotificationMessage,
}

/// Reads a received notification message: its kind and its XML part.
///
/// # Errors
/// A [`NotificationError`].
pub fn read_notification(raw: &[u8]) -> Result<ReceivedNotification, NotificationError> {
    let envelope = Envelope::parse(raw)?;
    let metadata = envelope.metadata();
    let kind = metadata
        .message_type
        .and_then(|t| NotificationKind::from_fields(t, metadata.notification_type))
        .ok_or_else(|| {
            NotificationError::NotANotification(
                metadata
                    .message_type
                    .map(|t| t.as_str().to_owned())
                    .unwrap_or_default(),
            )
        })?;
    let parsed = MessageParser::default()
        .parse(raw)
        .ok_or(NotificationError::XmlMissing)?;
    let xml = body_parts(&parsed).xml.ok_or(NotificationError::XmlMissing)?;
    let message = NotificationMessage::parse(xml)?;
    Ok(ReceivedNotification { kind, message })
}
