//! Provider messages (Nachrichten des Diensteanbieters): what confirmations
//! (§3.5.1), notifications (§3.5.2) and ident confirmations (ID IO §2.1.1)
//! share (TR 01201-3.4 Table 1 columns B, M and I, §3.4.1; PVD FU §4.3).
//!
//! Needs the cargo feature `provider`, a default feature.
//!
//! A provider (DMDA) sends such a message from one of its system addresses
//! about an original message (or, for an ident confirmation, about a card):
//! the [`Issuer`] names the provider; the header fields, the recipients, the
//! derived message id (D36), the German text frame and the `multipart/mixed`
//! body of text, XML and PDF (§3.4.1) are made here once, and a received
//! message's XML part is found here once. The message kinds stay with their
//! modules: [`crate::confirmation`], [`crate::notification`] and
//! [`crate::ident`] are siblings that use this module (D105).
//!
//! ```
//! use demail::address::DeMailAddress;
//! use demail::envelope::Envelope;
//! use demail::fields::DateTime;
//! use demail::notification::{NotificationKind, NotificationRequest, build_notification};
//! use demail::provider::{BuildError, Issuer};
//!
//! let raw = std::fs::read("tests/data/normal.eml")?;
//! let original = Envelope::parse(&raw)?;
//! let issuer = Issuer::new("DMDA B GmbH", DeMailAddress::parse("Meldung@dmda-b.de-mail.de")?);
//! assert_eq!(issuer.originator_provider, "dmda-b.de-mail.de");
//! let time = DateTime::parse_rfc5322("Tue, 12 Mar 2024 09:15:07 +0100").unwrap();
//!
//! // A malware notification must come from `Schadsoftware-Warnung@` (PVD FU §4.3).
//! let request = NotificationRequest::new(NotificationKind::Malware, &issuer, time);
//! let refused = build_notification(&original, &request, None).unwrap_err();
//! assert!(matches!(refused, BuildError::SystemAddress { expected: "Schadsoftware-Warnung", .. }));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod headers;
pub(crate) mod kind;
mod mime;
mod text;

pub use error::BuildError;
pub(crate) use headers::{bare, derived_message_id, provider_message_headers, provider_message_recipients};
pub(crate) use mime::{ProviderMessage, body_parts, pdf_opening, pdf_time};
pub(crate) use text::text_frame;

use crate::address::DeMailAddress;

/// The issuing provider (DMDA, De-Mail-Diensteanbieter) of a confirmation,
/// notification or ident confirmation.
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

    /// Whether the issuer's system address has the local part `expected`
    /// (PVD FU §4.3 Table 1, ID FU §3.6; compared exactly, as written in the
    /// table). Confirmations and notifications refuse with
    /// [`BuildError::SystemAddress`], ident confirmations with their own error.
    pub(crate) fn sends_as(&self, expected: &str) -> bool {
        self.system_address.local_part == expected
    }

    /// [`Issuer::sends_as`] as the shared build error.
    pub(crate) fn require_sender(&self, expected: &'static str) -> Result<(), BuildError> {
        if self.sends_as(expected) {
            Ok(())
        } else {
            Err(BuildError::SystemAddress {
                address: self.system_address.addr_spec(),
                expected,
            })
        }
    }
}

/// The local part of the system address that sends `message_type`, from
/// the one table [`MessageType::system_sender`](crate::fields::MessageType::system_sender)
/// (PVD FU §4.3 Table 1); empty for a normal message, which no system
/// address sends.
pub(crate) const fn system_local_part(message_type: crate::fields::MessageType) -> &'static str {
    match message_type.system_sender() {
        Some(local_part) => local_part,
        None => "",
    }
}
