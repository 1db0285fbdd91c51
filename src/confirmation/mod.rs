//! Confirmations (Bestätigungsnachrichten, TR 01201-3.4 §3.4.1, §3.5.1,
//! §3.5.3): the `Acknowledge-Message` XML, building a confirmation from the
//! original message, and checking a received confirmation against it.
//!
//! Needs the cargo feature `provider`, a default feature.
//!
//! A confirmation is a De-Mail message from the provider's system address
//! (PVD FU §4.3) whose body is `multipart/mixed`: a German text, the
//! `Acknowledge-Message` signed with XML-DSig, and a PDF with the same
//! content; the whole message is signed with the integrity layer (§3.1.21).
//! What confirmations share with notifications and ident confirmations (the
//! [`Issuer`](crate::provider::Issuer), header fields, text frame, body
//! assembly and [`BuildError`](crate::provider::BuildError)) is in
//! [`crate::provider`].
//!
//! ```
//! use demail::address::DeMailAddress;
//! use demail::certificate::Certificate;
//! use demail::confirmation::{ConfirmationKind, ConfirmationRequest, build_confirmation};
//! use demail::crypto::SigningKey;
//! use demail::envelope::Envelope;
//! use demail::fields::{DateTime, MessageType};
//! use demail::provider::Issuer;
//! use demail::signer::CertifiedKey;
//!
//! let original = std::fs::read("tests/data/normal.eml")?;
//! let original = Envelope::parse(&original)?;
//! let key = SigningKey::from_pkcs8_pem(&std::fs::read_to_string("tests/data/keys/p256.key.pem")?)?;
//! let certificate = Certificate::from_pem(&std::fs::read_to_string("tests/data/keys/p256.cert.pem")?)?;
//! let signer = CertifiedKey::new(key, certificate)?;
//! let issuer = Issuer::new("DMDA A", DeMailAddress::parse("Versandbestaetigung@dmda-a.de-mail.de")?);
//! let request = ConfirmationRequest {
//!     kind: ConfirmationKind::Dispatch,
//!     issuer: &issuer,
//!     time: DateTime::parse_rfc5322("Tue, 12 Mar 2024 09:15:05 +0100").unwrap(),
//!     delivery_time: None,
//!     message_id: None,
//! };
//! let confirmation = build_confirmation(&original, &request, &signer)?;
//! let parsed = Envelope::parse(&confirmation)?;
//! assert_eq!(parsed.metadata().message_type, Some(MessageType::ConfirmationOfDispatch));
//! assert!(parsed.metadata().subject.as_deref().unwrap().starts_with("*Versandbestätigung* "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod build;
mod check;
mod message;

pub use build::{
    ConfirmationRequest, acknowledge_message, assemble, build_confirmation, check_confirmable,
    confirmation_recipients, metadata_of, original_header,
};
pub use check::{
    CheckError, ConfirmationReport, IntegrityProblem, Mismatch, MismatchCode, XmlSignatureProblem,
    check_confirmation,
};
pub use message::{ACKNOWLEDGE_MESSAGE, AcknowledgeMessage, Metadate, SignatureElement};

pub use crate::provider::kind::ConfirmationKind;
