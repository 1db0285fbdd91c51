//! Building a new normal De-Mail message from a user's draft and the data
//! the provider adds (PVD FU Schritt 29: date, auth level and mechanism,
//! originator provider, actual recipient = chosen recipient, message type and
//! message id).
//!
//! The MIME body is built with mail-builder; the De-Mail header block is
//! written by [`Metadata::write_header_block`], so the result parses back to
//! exactly the metadata it was built from. The integrity field (§3.1.13) is
//! not added here: it must be computed after all metadata is set
//! (§3.1.21) by the integrity layer.
//!
//! ```
//! use demail::address::DeMailAddress;
//! use demail::builder::{MessageDraft, ProviderData};
//! use demail::envelope::Envelope;
//! use demail::fields::{AuthLevel, DateTime};
//!
//! let mut draft = MessageDraft::new(DeMailAddress::parse("max.mustermann@dmda-a.de-mail.de")?, "Antrag");
//! draft.to.push(DeMailAddress::parse("poststelle@stadt.de-mail.de")?);
//! draft.text = "Sehr geehrte Damen und Herren, ...".into();
//! let provider = ProviderData {
//!     originator_provider: "mx.dmda-a.de-mail.de".into(),
//!     auth_level: AuthLevel::Normal,
//!     auth_mechanism: "password".into(),
//!     account_holder: "Max Mustermann".into(),
//!     message_id: "1234@dmda-a.de-mail.de".into(),
//!     demail_message_id: "dmda-a-1234".into(),
//!     date: DateTime::parse_rfc5322("Tue, 24 Nov 2026 10:00:00 +0100").unwrap(),
//! };
//! let message = draft.build(&provider);
//! let envelope = Envelope::parse(&message)?;
//! assert_eq!(envelope.metadata(), &draft.metadata(&provider));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use mail_builder::MessageBuilder;

use crate::address::{DeMailAddress, RecipientList};
use crate::fields::{AuthLevel, DateTime, MessageType, Version};
use crate::metadata::{DispatchOption, Metadata};
use crate::writer::{HeaderWriter, LineEnd};

/// A file attached to a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// File name shown to the recipient.
    pub filename: String,
    /// The content.
    pub data: Vec<u8>,
}

/// What the user wrote: sender, recipients, subject, text, attachments and
/// the dispatch options (Versandoptionen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDraft<'a> {
    /// The sender's De-Mail address; a display name becomes the `From` name.
    pub sender: DeMailAddress<'a>,
    /// `to` recipients.
    pub to: Vec<DeMailAddress<'a>>,
    /// `cc` recipients.
    pub cc: Vec<DeMailAddress<'a>>,
    /// `bcc` recipients (kept in `X-de-mail-chosen-recipient` only, never in
    /// a visible header; the per-recipient split of §3.1.8 happens before dispatch).
    pub bcc: Vec<DeMailAddress<'a>>,
    /// `Reply-To`.
    pub reply_to: Option<DeMailAddress<'a>>,
    /// The subject.
    pub subject: Cow<'a, str>,
    /// The plain-text body.
    pub text: Cow<'a, str>,
    /// Attachments.
    pub attachments: Vec<Attachment>,
    /// The chosen options; each is written as `yes` or `no`.
    pub options: Vec<DispatchOption>,
    /// `X-de-mail-private-id`, the sender's own reference.
    pub private_id: Option<Cow<'a, str>>,
}

/// What the sender's provider adds when it accepts a draft (PVD FU Schritt 29).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderData<'a> {
    /// FQDN of the provider's server (§3.1.11).
    pub originator_provider: Cow<'a, str>,
    /// The level of the sender's login (§3.1.9).
    pub auth_level: AuthLevel,
    /// The mechanism of the sender's login (§3.1.10).
    pub auth_mechanism: Cow<'a, str>,
    /// The account holder's full name (§3.1.19).
    pub account_holder: Cow<'a, str>,
    /// `Message-ID`, without angle brackets.
    pub message_id: Cow<'a, str>,
    /// `X-de-mail-message-id` (§3.1.18).
    pub demail_message_id: Cow<'a, str>,
    /// The date of dispatch, to the second.
    pub date: DateTime,
}

impl<'a> MessageDraft<'a> {
    /// A draft with a sender and subject, no recipients, options or body.
    pub fn new(sender: DeMailAddress<'a>, subject: impl Into<Cow<'a, str>>) -> Self {
        MessageDraft {
            sender,
            to: Vec::new(),
            cc: Vec::new(),
            bcc: Vec::new(),
            reply_to: None,
            subject: subject.into(),
            text: Cow::Borrowed(""),
            attachments: Vec::new(),
            options: Vec::new(),
            private_id: None,
        }
    }

    /// The metadata of the message [`MessageDraft::build`] writes.
    pub fn metadata(&self, provider: &ProviderData<'a>) -> Metadata<'a> {
        let recipients = RecipientList {
            to: self.to.clone(),
            cc: self.cc.clone(),
            bcc: self.bcc.clone(),
        };
        let mut sender = self.sender.clone();
        sender.display_name = None;
        let mut metadata = Metadata {
            from: Some(self.sender.clone()),
            date: Some(provider.date),
            message_id: Some(provider.message_id.clone()),
            subject: Some(self.subject.clone().into()),
            reply_to: self.reply_to.clone(),
            sender: Some(sender),
            chosen_recipient: Some(recipients.clone()),
            actual_recipient: Some(recipients),
            auth_mechanism: Some(provider.auth_mechanism.clone()),
            auth_level: Some(provider.auth_level),
            originator_provider: Some(provider.originator_provider.clone()),
            message_type: Some(MessageType::Normal),
            version: Some(Version::CURRENT),
            private_id: self.private_id.clone(),
            demail_message_id: Some(provider.demail_message_id.clone()),
            account_holder: Some(provider.account_holder.clone().into()),
            ..Metadata::default()
        };
        for option in DispatchOption::ALL {
            metadata.set_option(option, Some(self.options.contains(&option)));
        }
        metadata
    }

    /// Writes the message: the De-Mail header block, `To`/`Cc`, and the MIME
    /// body (text, plus `multipart/mixed` when there are attachments).
    pub fn build(&self, provider: &ProviderData<'a>) -> Vec<u8> {
        let mut out = self.metadata(provider).to_header_block();
        write_recipient_headers(&mut out, &self.to, &self.cc);
        out.extend_from_slice(b"MIME-Version: 1.0\r\n");
        let mut body = MessageBuilder::new().text_body(self.text.as_ref());
        for attachment in &self.attachments {
            body = body.attachment(
                attachment.content_type.as_str(),
                attachment.filename.as_str(),
                attachment.data.as_slice(),
            );
        }
        body.serialize_body(&mut out);
        out
    }
}

/// Writes the visible `To` and `Cc` fields (left out when empty): shared by
/// every builder of the crate (messages, confirmations, notifications,
/// ident confirmations).
pub(crate) fn write_recipient_headers(out: &mut Vec<u8>, to: &[DeMailAddress<'_>], cc: &[DeMailAddress<'_>]) {
    let mut w = HeaderWriter::new(out, LineEnd::Crlf);
    w.address_list("To", to);
    w.address_list("Cc", cc);
}
