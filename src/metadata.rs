//! The typed metadata of a De-Mail message (Metadaten, TR 01201-3.4 §2.1.1,
//! §3.1) and its serialization as a header block.
//!
//! [`Metadata`] is what an [`Envelope`](crate::envelope::Envelope) reads from
//! a message and what a provider writes into one. Strings are
//! [`Cow`]s: borrowed from the input when parsing, owned when building;
//! `Subject`, `X-de-mail-account-holder`, `X-de-mail-integrity` and
//! `X-de-mail-signature-certificate` are [`FieldText`], borrowed in their
//! received form and normalised when first read (RFC 2047 decoded,
//! unfolded, white space removed).
//!
//! The header block is written in a fixed order (the order of the integrity
//! field's `h=` list of §3.1.21, then the unsigned fields), with the
//! `X-de-mail-*` names in lower case as §3.1 recommends, folded at 78
//! characters, and CRLF line ends (§3.1.21 conditions 3 and 4).
//!
//! ```
//! use demail::metadata::Metadata;
//! use demail::envelope::Envelope;
//! use demail::fields::{AuthLevel, MessageType};
//!
//! let mut metadata = Metadata::default();
//! metadata.subject = Some("Straßenbau".into());
//! metadata.message_type = Some(MessageType::Normal);
//! metadata.auth_level = Some(AuthLevel::High);
//! metadata.private = Some(true);
//! let block = metadata.to_header_block();
//! assert!(block.starts_with(b"Subject: =?utf-8?"));
//!
//! let envelope = Envelope::parse(&block)?;
//! assert_eq!(envelope.metadata(), &metadata);
//! # Ok::<(), demail::header::HeaderError>(())
//! ```

use std::borrow::Cow;

use crate::address::{DeMailAddress, RecipientList};
use crate::fields::{
    AuthLevel, DateTime, FieldName, FieldText, MessageType, NotificationType, Version, yes_no,
};
use crate::writer::{HeaderWriter, LineEnd};

/// The typed De-Mail metadata of a message.
///
/// `None` means the field is absent. For the five yes/no options an absent
/// field means `no` (§3.1.2–§3.1.6); use [`Metadata::option`] for that reading
/// and the field itself to know whether it was present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
#[non_exhaustive]
pub struct Metadata<'a> {
    /// `From` (Absender).
    pub from: Option<DeMailAddress<'a>>,
    /// `Date` (Versanddatum und -zeit).
    pub date: Option<DateTime>,
    /// `Message-ID`, without the angle brackets.
    pub message_id: Option<Cow<'a, str>>,
    /// `Subject` (Betreff), RFC 2047 encoded words decoded when first read
    /// (docs/decisions.md D208).
    pub subject: Option<FieldText<'a>>,
    /// `Reply-To` (Antwort-Adresse).
    pub reply_to: Option<DeMailAddress<'a>>,
    /// `X-de-mail-confirmation-of-dispatch` (Versandbestätigung, §3.1.2).
    pub confirmation_of_dispatch: Option<bool>,
    /// `X-de-mail-confirmation-of-receipt` (Eingangsbestätigung, §3.1.3).
    pub confirmation_of_receipt: Option<bool>,
    /// `X-de-mail-confirmation-of-retrieve` (Abholbestätigung, §3.1.4).
    pub confirmation_of_retrieve: Option<bool>,
    /// `X-de-mail-authoritative` (absenderbestätigt, §3.1.5).
    pub authoritative: Option<bool>,
    /// `X-de-mail-private` (persönlich, §3.1.6).
    pub private: Option<bool>,
    /// `X-de-mail-sender` (§3.1.7).
    pub sender: Option<DeMailAddress<'a>>,
    /// `X-de-mail-chosen-recipient` (§3.1.8).
    pub chosen_recipient: Option<RecipientList<'a>>,
    /// `X-de-mail-auth-mechanism` (§3.1.10).
    pub auth_mechanism: Option<Cow<'a, str>>,
    /// `X-de-mail-auth-level` (§3.1.9).
    pub auth_level: Option<AuthLevel>,
    /// `X-de-mail-originator-provider`: FQDN of the provider's server (§3.1.11).
    pub originator_provider: Option<Cow<'a, str>>,
    /// `X-de-mail-message-type` (§3.1.12).
    pub message_type: Option<MessageType>,
    /// `X-de-mail-version` (§3.1.16).
    pub version: Option<Version>,
    /// `X-de-mail-private-id`, the sender's own reference (§3.1.17).
    pub private_id: Option<Cow<'a, str>>,
    /// `X-de-mail-message-id` (§3.1.18).
    pub demail_message_id: Option<Cow<'a, str>>,
    /// `X-de-mail-account-holder`, RFC 2047 decoded when first read (§3.1.19,
    /// docs/decisions.md D208); never empty when parsed.
    pub account_holder: Option<FieldText<'a>>,
    /// `X-de-mail-notification-type` (§3.1.20).
    pub notification_type: Option<NotificationType>,
    /// `X-de-mail-integrity` (§3.1.13), unfolded when first read
    /// (docs/decisions.md D218); typed in the integrity layer.
    pub integrity: Option<FieldText<'a>>,
    /// `X-de-mail-signature-certificate`: base64 DER, white space removed
    /// when first read (§3.1.14, docs/decisions.md D218).
    pub signature_certificate: Option<FieldText<'a>>,
    /// `X-de-mail-actual-recipient` (§3.1.15).
    pub actual_recipient: Option<RecipientList<'a>>,
    /// `Resent-From` (§3.2), unfolded.
    pub resent_from: Option<Cow<'a, str>>,
    /// `Resent-To` (§3.2), unfolded.
    pub resent_to: Option<Cow<'a, str>>,
    /// `Resent-Date` (§3.2), unfolded.
    pub resent_date: Option<Cow<'a, str>>,
    /// `Resent-Message-ID` (§3.2), unfolded.
    pub resent_message_id: Option<Cow<'a, str>>,
    /// `Envelope-to` (§3.1.22), unfolded.
    pub envelope_to: Option<Cow<'a, str>>,
}

/// The five yes/no options a sender can choose (Versandoptionen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DispatchOption {
    /// Versandbestätigung (§3.1.2).
    ConfirmationOfDispatch,
    /// Eingangsbestätigung (§3.1.3).
    ConfirmationOfReceipt,
    /// Abholbestätigung (§3.1.4).
    ConfirmationOfRetrieve,
    /// absenderbestätigt (§3.1.5).
    Authoritative,
    /// persönlich (§3.1.6).
    Private,
}

impl DispatchOption {
    /// Every option, in the order of Table 1.
    pub const ALL: [DispatchOption; 5] = [
        DispatchOption::ConfirmationOfDispatch,
        DispatchOption::ConfirmationOfReceipt,
        DispatchOption::ConfirmationOfRetrieve,
        DispatchOption::Authoritative,
        DispatchOption::Private,
    ];

    /// The header field that carries the option.
    pub const fn field(self) -> FieldName {
        match self {
            DispatchOption::ConfirmationOfDispatch => FieldName::ConfirmationOfDispatch,
            DispatchOption::ConfirmationOfReceipt => FieldName::ConfirmationOfReceipt,
            DispatchOption::ConfirmationOfRetrieve => FieldName::ConfirmationOfRetrieve,
            DispatchOption::Authoritative => FieldName::Authoritative,
            DispatchOption::Private => FieldName::Private,
        }
    }
}

impl<'a> Metadata<'a> {
    /// Whether an option was chosen: `yes` is true; `no` or an absent field
    /// is false (§3.1.2–§3.1.6).
    pub fn option(&self, option: DispatchOption) -> bool {
        self.option_field(option).unwrap_or(false)
    }

    /// The option's field value, `None` when absent.
    pub fn option_field(&self, option: DispatchOption) -> Option<bool> {
        match option {
            DispatchOption::ConfirmationOfDispatch => self.confirmation_of_dispatch,
            DispatchOption::ConfirmationOfReceipt => self.confirmation_of_receipt,
            DispatchOption::ConfirmationOfRetrieve => self.confirmation_of_retrieve,
            DispatchOption::Authoritative => self.authoritative,
            DispatchOption::Private => self.private,
        }
    }

    /// Sets an option's field (`Some(false)` writes `no`, `None` leaves it out).
    pub fn set_option(&mut self, option: DispatchOption, value: Option<bool>) {
        let slot = match option {
            DispatchOption::ConfirmationOfDispatch => &mut self.confirmation_of_dispatch,
            DispatchOption::ConfirmationOfReceipt => &mut self.confirmation_of_receipt,
            DispatchOption::ConfirmationOfRetrieve => &mut self.confirmation_of_retrieve,
            DispatchOption::Authoritative => &mut self.authoritative,
            DispatchOption::Private => &mut self.private,
        };
        *slot = value;
    }

    /// Copies every borrowed part, so the metadata outlives the input.
    pub fn into_owned(self) -> Metadata<'static> {
        fn own(value: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            value.map(|v| Cow::Owned(v.into_owned()))
        }
        Metadata {
            from: self.from.map(DeMailAddress::into_owned),
            date: self.date,
            message_id: own(self.message_id),
            subject: self.subject.map(FieldText::into_owned),
            reply_to: self.reply_to.map(DeMailAddress::into_owned),
            confirmation_of_dispatch: self.confirmation_of_dispatch,
            confirmation_of_receipt: self.confirmation_of_receipt,
            confirmation_of_retrieve: self.confirmation_of_retrieve,
            authoritative: self.authoritative,
            private: self.private,
            sender: self.sender.map(DeMailAddress::into_owned),
            chosen_recipient: self.chosen_recipient.map(RecipientList::into_owned),
            auth_mechanism: own(self.auth_mechanism),
            auth_level: self.auth_level,
            originator_provider: own(self.originator_provider),
            message_type: self.message_type,
            version: self.version,
            private_id: own(self.private_id),
            demail_message_id: own(self.demail_message_id),
            account_holder: self.account_holder.map(FieldText::into_owned),
            notification_type: self.notification_type,
            integrity: self.integrity.map(FieldText::into_owned),
            signature_certificate: self.signature_certificate.map(FieldText::into_owned),
            actual_recipient: self.actual_recipient.map(RecipientList::into_owned),
            resent_from: own(self.resent_from),
            resent_to: own(self.resent_to),
            resent_date: own(self.resent_date),
            resent_message_id: own(self.resent_message_id),
            envelope_to: own(self.envelope_to),
        }
    }

    /// Writes the header block: every present field in a fixed order, CRLF
    /// line ends, folded at 78 characters. No empty line is appended.
    pub fn to_header_block(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1024);
        self.write_header_block(&mut out);
        out
    }

    /// Appends the header block to `out` (see [`Metadata::to_header_block`]).
    pub fn write_header_block(&self, out: &mut Vec<u8>) {
        let w = &mut HeaderWriter::new(out, LineEnd::Crlf);
        if let Some(from) = &self.from {
            w.address(FieldName::From.written_name(), from);
        }
        if let Some(date) = &self.date {
            w.folded(FieldName::Date.written_name(), &date.to_rfc5322());
        }
        if let Some(id) = &self.message_id {
            w.folded(FieldName::MessageId.written_name(), &format!("<{id}>"));
        }
        if let Some(subject) = &self.subject {
            w.text(FieldName::Subject.written_name(), subject);
        }
        if let Some(reply_to) = &self.reply_to {
            w.address(FieldName::ReplyTo.written_name(), reply_to);
        }
        for option in DispatchOption::ALL {
            if let Some(value) = self.option_field(option) {
                w.folded(option.field().written_name(), yes_no(value));
            }
        }
        if let Some(sender) = &self.sender {
            w.folded(FieldName::Sender.written_name(), &sender.addr_spec());
        }
        if let Some(list) = &self.chosen_recipient {
            w.folded(FieldName::ChosenRecipient.written_name(), &list.to_string());
        }
        self.write_text_fields(w);
        if let Some(list) = &self.actual_recipient {
            w.folded(FieldName::ActualRecipient.written_name(), &list.to_string());
        }
        self.write_unsigned_fields(w);
    }

    fn write_text_fields(&self, w: &mut HeaderWriter<'_>) {
        let simple: [(FieldName, Option<&str>); 7] = [
            (FieldName::AuthMechanism, self.auth_mechanism.as_deref()),
            (FieldName::AuthLevel, self.auth_level.map(AuthLevel::as_str)),
            (FieldName::OriginatorProvider, self.originator_provider.as_deref()),
            (FieldName::MessageType, self.message_type.map(MessageType::as_str)),
            (FieldName::Version, self.version.as_ref().map(Version::as_str)),
            (FieldName::PrivateId, self.private_id.as_deref()),
            (FieldName::DeMailMessageId, self.demail_message_id.as_deref()),
        ];
        for (field, value) in simple {
            if let Some(value) = value {
                w.folded(field.written_name(), value);
            }
        }
        if let Some(holder) = &self.account_holder {
            w.text(FieldName::AccountHolder.written_name(), holder);
        }
        if let Some(kind) = self.notification_type {
            w.folded(FieldName::NotificationType.written_name(), kind.as_str());
        }
    }

    fn write_unsigned_fields(&self, w: &mut HeaderWriter<'_>) {
        let unsigned: [(FieldName, Option<&str>); 5] = [
            (FieldName::ResentFrom, self.resent_from.as_deref()),
            (FieldName::ResentTo, self.resent_to.as_deref()),
            (FieldName::ResentDate, self.resent_date.as_deref()),
            (FieldName::ResentMessageId, self.resent_message_id.as_deref()),
            (FieldName::EnvelopeTo, self.envelope_to.as_deref()),
        ];
        for (field, value) in unsigned {
            if let Some(value) = value {
                w.folded(field.written_name(), value);
            }
        }
        if let Some(integrity) = &self.integrity {
            w.folded(FieldName::Integrity.written_name(), integrity);
        }
        if let Some(certificate) = &self.signature_certificate {
            w.base64(FieldName::SignatureCertificate.written_name(), certificate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // TR 01201-3.4 §3.1.2–§3.1.6
    #[test]
    fn absent_option_means_no() {
        let mut metadata = Metadata::default();
        assert!(!metadata.option(DispatchOption::Private));
        metadata.set_option(DispatchOption::Private, Some(true));
        assert!(metadata.option(DispatchOption::Private));
        assert_eq!(metadata.option_field(DispatchOption::Authoritative), None);
    }
}
