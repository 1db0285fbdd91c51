//! Confirmations (Bestätigungsnachrichten, TR 01201-3.4 §3.4.1, §3.5.1,
//! §3.5.3): the `Acknowledge-Message` XML, building a confirmation from the
//! original message, and checking a received confirmation against it.
//!
//! A confirmation is a De-Mail message from the provider's system address
//! (PVD FU §4.3) whose body is `multipart/mixed`: a German text, the
//! `Acknowledge-Message` signed with XML-DSig, and a PDF with the same
//! content; the whole message is signed with the integrity layer (§3.1.21).
//!
//! ```
//! use demail::address::DeMailAddress;
//! use demail::certificate::Certificate;
//! use demail::confirmation::{ConfirmationKind, ConfirmationRequest, Issuer, build_confirmation};
//! use demail::crypto::SigningKey;
//! use demail::envelope::Envelope;
//! use demail::fields::{DateTime, MessageType};
//!
//! let original = std::fs::read("tests/data/normal.eml")?;
//! let original = Envelope::parse(&original)?;
//! let key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string("tests/data/keys/p256.key.pem")?)?;
//! let certificate = Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/p256.cert.pem")?)?;
//! let issuer = Issuer::new("DMDA A", DeMailAddress::parse("Versandbestaetigung@dmda-a.de-mail.de")?);
//! let request = ConfirmationRequest {
//!     kind: ConfirmationKind::Dispatch,
//!     issuer: &issuer,
//!     time: DateTime::parse_rfc5322("Tue, 12 Mar 2024 09:15:05 +0100").unwrap(),
//!     delivery_time: None,
//!     message_id: None,
//! };
//! let confirmation = build_confirmation(&original, &request, &key, &certificate)?;
//! let parsed = Envelope::parse(&confirmation)?;
//! assert_eq!(parsed.metadata().message_type, Some(MessageType::ConfirmationOfDispatch));
//! assert!(parsed.metadata().subject.as_deref().unwrap().starts_with("*Versandbestätigung* "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod build;
mod check;
mod message;

pub use build::{
    BuildError, ConfirmationRequest, acknowledge_message, assemble, build_confirmation, check_confirmable,
    confirmation_recipients, metadata_of, original_header,
};
pub use check::{
    CheckError, ConfirmationReport, IntegrityProblem, Mismatch, MismatchCode, XmlSignatureProblem,
    check_confirmation,
};
pub use message::{ACKNOWLEDGE_MESSAGE, AcknowledgeMessage, Metadate, SignatureElement};

use std::borrow::Cow;

use crate::address::{DeMailAddress, RecipientList};
use crate::crypto::HashAlgorithm;
use crate::envelope::Envelope;
use crate::fields::{DateTime, MessageType, Version};
use crate::metadata::Metadata;

/// The four kinds of confirmation (Table 12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfirmationKind {
    /// Versandbestätigung, `confirmation of dispatch`.
    Dispatch,
    /// Eingangsbestätigung, `confirmation of receipt`.
    Receipt,
    /// Abholbestätigung, `confirmation of retrieve`.
    Retrieve,
    /// Schadsoftware-Bestätigung, `malware-acknowledge` (PVD FU Schritt 56).
    Malware,
}

impl ConfirmationKind {
    /// Every kind.
    pub const ALL: [ConfirmationKind; 4] = [
        ConfirmationKind::Dispatch,
        ConfirmationKind::Receipt,
        ConfirmationKind::Retrieve,
        ConfirmationKind::Malware,
    ];

    /// The `X-de-mail-message-type` value (§3.1.12, Table 12).
    pub const fn message_type(self) -> MessageType {
        match self {
            ConfirmationKind::Dispatch => MessageType::ConfirmationOfDispatch,
            ConfirmationKind::Receipt => MessageType::ConfirmationOfReceipt,
            ConfirmationKind::Retrieve => MessageType::ConfirmationOfRetrieve,
            ConfirmationKind::Malware => MessageType::MalwareAcknowledge,
        }
    }

    /// The kind of a message type; `None` for types that are not confirmations.
    pub const fn from_message_type(message_type: MessageType) -> Option<Self> {
        match message_type {
            MessageType::ConfirmationOfDispatch => Some(ConfirmationKind::Dispatch),
            MessageType::ConfirmationOfReceipt => Some(ConfirmationKind::Receipt),
            MessageType::ConfirmationOfRetrieve => Some(ConfirmationKind::Retrieve),
            MessageType::MalwareAcknowledge => Some(ConfirmationKind::Malware),
            _ => None,
        }
    }

    /// The German name that starts the subject: `Versandbestätigung`,
    /// `Eingangsbestätigung`, `Abholbestätigung` (§3.5.1) and
    /// `Schadsoftware-Bestätigung` (FU Schritt 56; D32).
    pub const fn label(self) -> &'static str {
        match self {
            ConfirmationKind::Dispatch => "Versandbestätigung",
            ConfirmationKind::Receipt => "Eingangsbestätigung",
            ConfirmationKind::Retrieve => "Abholbestätigung",
            ConfirmationKind::Malware => "Schadsoftware-Bestätigung",
        }
    }

    /// The subject of a confirmation: `*<label>* <original subject>` (§3.5.1).
    pub fn subject(self, original_subject: &str) -> String {
        format!("*{}* {original_subject}", self.label())
    }

    /// The kind whose subject prefix `subject` carries, and the rest of the
    /// subject: `*Versandbestätigung* X` gives `(Dispatch, "X")`. The form
    /// `Versandbestätigung: X` of Table 23 is read too (D32).
    pub fn split_subject(subject: &str) -> Option<(ConfirmationKind, &str)> {
        ConfirmationKind::ALL.into_iter().find_map(|kind| {
            let label = kind.label();
            let starred = subject
                .strip_prefix('*')
                .and_then(|s| s.strip_prefix(label))
                .and_then(|s| s.strip_prefix('*'));
            let colon = subject.strip_prefix(label).and_then(|s| s.strip_prefix(':'));
            starred
                .or(colon)
                .map(|rest| (kind, rest.strip_prefix(' ').unwrap_or(rest)))
        })
    }

    /// The local part of the system address that sends this kind (PVD FU
    /// §4.3 Table 1), from the one table [`MessageType::system_sender`].
    pub const fn system_local_part(self) -> &'static str {
        match self.message_type().system_sender() {
            Some(local_part) => local_part,
            None => "",
        }
    }

    /// The CLI name: `dispatch`, `receipt`, `retrieve`, `malware`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConfirmationKind::Dispatch => "dispatch",
            ConfirmationKind::Receipt => "receipt",
            ConfirmationKind::Retrieve => "retrieve",
            ConfirmationKind::Malware => "malware",
        }
    }

    /// The first sentence of the text (§3.5.1 templates; FU Schritt 56 for malware).
    pub(crate) const fn introduction(self) -> &'static str {
        match self {
            ConfirmationKind::Dispatch => {
                "Hiermit wird bestätigt, dass die Nachricht mit den folgenden Angaben an den Empfänger versandt wurde."
            }
            ConfirmationKind::Receipt => {
                "Hiermit wird bestätigt, dass die Nachricht mit den folgenden Angaben im Postfach des Empfängers abgelegt wurde."
            }
            ConfirmationKind::Retrieve => {
                "Hiermit wird bestätigt, dass sich der Empfänger der Nachricht mit den folgenden Angaben an seinem De-Mail-Konto sicher angemeldet hat."
            }
            ConfirmationKind::Malware => {
                "Für die Nachricht mit den folgenden Angaben wurde eine Versand-, Eingangs- und/oder Abholbestätigung angefordert. In der Nachricht wurde Schadsoftware gefunden. Aufgrund der gefundenen Schadsoftware kann nicht von einer Kenntnisnahme der Nachricht durch den Empfänger ausgegangen werden."
            }
        }
    }
}

/// The issuing provider (DMDA) of a confirmation or notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// The provider's name, shown in the text ("Die Bestätigung erfolgte durch ...").
    pub name: String,
    /// A link to the provider's site, shown after the name.
    pub link: Option<String>,
    /// The system address that sends the message (PVD FU §4.3 Table 1, ACM §2.1.4).
    pub system_address: DeMailAddress<'static>,
    /// `X-de-mail-originator-provider`: the FQDN of the provider's server
    /// (§3.1.11); by default the system address's domain.
    pub originator_provider: String,
}

impl Issuer {
    /// An issuer with a name and system address, no link, and the system
    /// address's domain as originator provider.
    pub fn new(name: impl Into<String>, system_address: DeMailAddress<'_>) -> Self {
        let system_address = system_address.into_owned();
        Issuer {
            name: name.into(),
            link: None,
            originator_provider: system_address.domain.to_string(),
            system_address,
        }
    }
}

/// The recipients of a provider's message about an original: `to` (the
/// reply address the caller chose, D35/D36) and, when `with_copies`, in copy
/// the original's recipients — those of `X-de-mail-actual-recipient`, else
/// `X-de-mail-chosen-recipient` — without display names and duplicates.
pub(crate) fn provider_message_recipients(
    to: DeMailAddress<'static>,
    original: &Envelope<'_>,
    with_copies: bool,
) -> RecipientList<'static> {
    let mut list = RecipientList {
        to: vec![to],
        cc: Vec::new(),
        bcc: Vec::new(),
    };
    if with_copies {
        let metadata = original.metadata();
        let recipients = metadata
            .actual_recipient
            .as_ref()
            .or(metadata.chosen_recipient.as_ref());
        for address in recipients.iter().flat_map(|l| l.iter()) {
            let mut address = address.clone().into_owned();
            address.display_name = None;
            if !list.iter().any(|a| a.same_mailbox(&address)) {
                list.cc.push(address);
            }
        }
    }
    list
}

/// The header fields every message a provider sends about an original has
/// (Table 1 column B): From (the issuer's name and system address), Date,
/// both message ids, Subject, X-de-mail-sender, chosen and actual recipients,
/// originator provider, message type, version, and the original's private
/// id (§3.1.17). Callers add their options and type fields.
pub(crate) fn provider_message_headers(
    issuer: &Issuer,
    time: DateTime,
    message_id: String,
    subject: String,
    message_type: MessageType,
    recipients: &RecipientList<'static>,
    original: &Envelope<'_>,
) -> Metadata<'static> {
    let mut from = issuer.system_address.clone();
    from.display_name = Some(Cow::Owned(issuer.name.clone()));
    let mut sender = issuer.system_address.clone();
    sender.display_name = None;
    Metadata {
        from: Some(from),
        date: Some(time),
        message_id: Some(Cow::Owned(message_id.clone())),
        subject: Some(Cow::Owned(subject)),
        sender: Some(sender),
        chosen_recipient: Some(recipients.clone()),
        actual_recipient: Some(recipients.clone()),
        originator_provider: Some(Cow::Owned(issuer.originator_provider.clone())),
        message_type: Some(message_type),
        version: Some(Version::CURRENT),
        private_id: original
            .metadata()
            .private_id
            .clone()
            .map(|id| Cow::Owned(id.into_owned())),
        demail_message_id: Some(Cow::Owned(message_id)),
        ..Metadata::default()
    }
}

/// A reproducible message id (D36):
/// `<slug>.<yyyymmddhhmmss>.<16 hex of SHA-256(parts)>@<domain>`.
pub(crate) fn derived_message_id(slug: &str, time: &DateTime, parts: &[&[u8]], domain: &str) -> String {
    let input = parts.concat();
    let digest = HashAlgorithm::Sha256.digest(&input);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(
        "{slug}.{:04}{:02}{:02}{:02}{:02}{:02}.{hex}@{domain}",
        time.year, time.month, time.day, time.hour, time.minute, time.second
    )
}
