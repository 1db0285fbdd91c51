//! The kinds of confirmation (Bestätigungsnachricht, TR 01201-3.4 Table 12,
//! §3.5.1; PVD FU Schritt 56). Defined beside the shared [`BuildError`]
//! (which names the kind of a refused confirmation) so that the build error
//! needs nothing from [`crate::confirmation`]; public as
//! `demail::confirmation::ConfirmationKind` (D105).
//!
//! [`BuildError`]: super::BuildError

use crate::fields::MessageType;

/// The four kinds of confirmation (Table 12); in JSON its
/// [`as_str`](ConfirmationKind::as_str) name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
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
        super::system_local_part(self.message_type())
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
